import Foundation
import PuntosRuntime

/// The records a run refused, one JSON object a line: `{"line":…,"field":…,"code":…,"reason":…}`.
/// Created on the first reject (a clean run leaves no file), replaced by each run.
final class RejectFile {
    let path: String
    private var handle: FileHandle?
    private(set) var count = 0

    init(path: String) {
        self.path = path
        try? FileManager.default.removeItem(atPath: path)
    }

    func write(line: Int, _ error: FunctionError) throws {
        if handle == nil {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw LineReader.Unreadable(description: "cannot write the reject file \(path)")
            }
            handle = FileHandle(forWritingAtPath: path)
        }
        let field = error.field.map(JSONString.quoted) ?? "null"
        let text =
            #"{"line":\#(line),"field":\#(field),"code":"\#(error.code.rawValue)","reason":\#(JSONString.quoted(error.message))}"#
            + "\n"
        handle?.write(Data(text.utf8))
        count += 1
    }

    func close() { try? handle?.close() }
}
