import Foundation
import PuntosRuntime

/// CSV (RFC 4180, a header row): each row becomes the JSON object an event would carry. A column
/// `customer.email` fills `customer{email}`; columns `lines.sku`, `lines.amount`, … fill one element of
/// `lines`, and consecutive rows with the same `number` are one invoice, one line each. Empty cells are
/// absent fields; numeric fields (`quantity`, `amount`, `paid_with_points`, `points`) are JSON numbers
/// when they read as one, and `moderation` is a boolean, so a wrong value is refused as the event would be.
final class CSVSource: RecordSource {
    private let reader: LineReader
    private let kind: String
    private let header: [String]
    private let groupColumn: Int?
    private var held: (line: Int, rows: [[String]])?
    private var finished = false

    static let numericFields: Set<String> = ["quantity", "amount", "paid_with_points", "points"]
    static let booleanFields: Set<String> = ["moderation"]

    init(path: String, kind: String) throws {
        reader = try LineReader(path: path)
        self.kind = kind
        guard let first = reader.next() else { throw LineReader.Unreadable(description: "\(path) is empty: no header row") }
        var text = String(decoding: first, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        header = CSVRow.fields(text).map { $0.trimmingCharacters(in: .whitespaces) }
        groupColumn = header.contains { $0.hasPrefix("lines.") } ? header.firstIndex(of: "number") : nil
    }

    var bytesRead: Int64 { reader.bytesRead }
    var size: Int64 { reader.size }

    func next() -> RawRecord? {
        while ready.isEmpty, !finished {
            guard let (line, row) = readRow() else {
                finished = true
                flush()
                break
            }
            guard row.count == header.count else {
                flush()
                ready.append(
                    RawRecord(
                        line: line,
                        json: .failure(
                            .badInput(
                                .invalidValue, field: "$", "the row has \(row.count) fields; the header has \(header.count)"))))
                continue
            }
            if let group = groupColumn, let current = held, !row[group].isEmpty, current.rows[0][group] == row[group] {
                held?.rows.append(row)
                continue
            }
            flush()
            held = (line, [row])
        }
        return ready.isEmpty ? nil : ready.removeFirst()
    }

    private var ready: [RawRecord] = []

    private func flush() {
        guard let current = held else { return }
        held = nil
        ready.append(RawRecord(line: current.line, json: .success(Data(object(current.rows).utf8))))
    }

    /// A row, reading further lines while a quoted field is open, with the line it starts on.
    private func readRow() -> (Int, [String])? {
        while let bytes = reader.next() {
            var text = String(decoding: bytes, as: UTF8.self)
            let start = reader.lineNumber
            while CSVRow.isOpen(text), let more = reader.next() {
                text += "\n" + String(decoding: more, as: UTF8.self)
            }
            if text.isEmpty { continue }
            return (start, CSVRow.fields(text))
        }
        return nil
    }

    /// The JSON object of one record: its first row's fields, and one `lines` element per row.
    private func object(_ rows: [[String]]) -> String {
        var top = JSONObject()
        if !header.contains("kind") { top.set(["kind"], "\"\(kind)\"") }
        var lines: [JSONObject] = []
        for (index, row) in rows.enumerated() {
            var line = JSONObject()
            for (column, name) in header.enumerated() where !row[column].isEmpty {
                let path = name.split(separator: ".").map(String.init)
                let value = Self.value(row[column], field: path.last ?? name)
                if path.first == "lines", path.count > 1 {
                    line.set(Array(path.dropFirst()), value)
                } else if index == 0 {
                    top.set(path, value)
                }
            }
            if !line.isEmpty { lines.append(line) }
        }
        if !lines.isEmpty { top.set(["lines"], "[" + lines.map(\.text).joined(separator: ",") + "]") }
        return top.text
    }

    private static func value(_ text: String, field: String) -> String {
        if numericFields.contains(field), Decimal(string: text) != nil,
            text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" })
        {
            return text
        }
        if booleanFields.contains(field), text == "true" || text == "false" { return text }
        return JSONString.quoted(text)
    }
}

/// A JSON object built from dotted paths, keys in the order first set.
struct JSONObject {
    private var keys: [String] = []
    private var values: [String: Either] = [:]
    private indirect enum Either {
        case raw(String)
        case object(JSONObject)
    }

    var isEmpty: Bool { keys.isEmpty }

    mutating func set(_ path: [String], _ raw: String) {
        guard let key = path.first else { return }
        if values[key] == nil { keys.append(key) }
        if path.count == 1 {
            values[key] = .raw(raw)
        } else {
            var child = JSONObject()
            if case .object(let existing) = values[key] { child = existing }
            child.set(Array(path.dropFirst()), raw)
            values[key] = .object(child)
        }
    }

    var text: String {
        "{"
            + keys.map { key in
                switch values[key]! {
                case .raw(let raw): JSONString.quoted(key) + ":" + raw
                case .object(let object): JSONString.quoted(key) + ":" + object.text
                }
            }.joined(separator: ",") + "}"
    }
}

/// RFC 4180 fields: commas separate, double quotes enclose, a doubled quote is a quote.
enum CSVRow {
    static func fields(_ text: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var iterator = text.makeIterator()
        var pendingQuote = false
        while let character = iterator.next() {
            if quoted {
                if pendingQuote {
                    pendingQuote = false
                    if character == "\"" {
                        field.append("\"")
                        continue
                    }
                    quoted = false
                } else if character == "\"" {
                    pendingQuote = true
                    continue
                } else {
                    field.append(character)
                    continue
                }
            }
            switch character {
            case ",":
                fields.append(field)
                field = ""
            case "\"" where field.isEmpty:
                quoted = true
            default:
                field.append(character)
            }
        }
        fields.append(field)
        return fields
    }

    /// True when the text ends inside a quoted field (the record goes on on the next line).
    static func isOpen(_ text: String) -> Bool {
        var quoted = false
        var atFieldStart = true
        var justClosed = false
        for character in text {
            if quoted {
                if character == "\"" {
                    quoted = false
                    justClosed = true
                }
                continue
            }
            if character == "\"" && (atFieldStart || justClosed) {
                quoted = true
                justClosed = false
                atFieldStart = false
                continue
            }
            justClosed = false
            atFieldStart = character == ","
        }
        return quoted
    }
}
