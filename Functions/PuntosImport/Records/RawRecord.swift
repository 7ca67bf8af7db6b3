import Foundation
import PuntosRuntime

/// One record of an import file as JSON, numbered by the line it starts on, or why it could not be read.
struct RawRecord {
    var line: Int
    var json: Result<Data, FunctionError>
}

/// Where records come from: JSON lines or CSV, told apart by the file's extension or `--format`.
enum RecordFormat: String, Sendable {
    case jsonl, csv

    static func of(path: String) -> RecordFormat? {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") { return .jsonl }
        return nil
    }
}

/// Reads the records of a file in order, whatever its format.
protocol RecordSource: AnyObject {
    func next() -> RawRecord?
    /// How far through the file: bytes read and its size (for the time left).
    var bytesRead: Int64 { get }
    var size: Int64 { get }
}

/// JSON lines: one record a line (blank lines are skipped). `kind` is added when a line has none, so
/// a record may be a copy of an event file or only its fields.
final class JSONLinesSource: RecordSource {
    private let reader: LineReader
    private let kind: String

    init(path: String, kind: String) throws {
        reader = try LineReader(path: path)
        self.kind = kind
    }

    var bytesRead: Int64 { reader.bytesRead }
    var size: Int64 { reader.size }

    func next() -> RawRecord? {
        while let line = reader.next() {
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { continue }
            return RawRecord(line: reader.lineNumber, json: .success(Data(Self.withKind(line, kind))))
        }
        return nil
    }

    /// `{"kind":KIND, …}` when the object names no kind (no `"kind"` anywhere in its text).
    static func withKind(_ line: [UInt8], _ kind: String) -> [UInt8] {
        let key = Array(#""kind""#.utf8)
        guard let brace = line.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }), line[brace] == UInt8(ascii: "{"),
            !contains(line, key)
        else { return line }
        let rest = line[(brace + 1)...]
        let isEmpty = rest.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == UInt8(ascii: "}") }
        return Array("{\"kind\":\"\(kind)\"\(isEmpty ? "" : ",")".utf8) + rest
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
