public import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

/// Decodes an event and turns every decoding failure into a `badInput` error naming the field.
public enum EventDecoding {
    /// Events larger than this are refused before they are parsed: the AWS Lambda synchronous limit.
    public static let maximumEventBytes = 6 * 1024 * 1024

    public static func decode<Event: Decodable>(_ type: Event.Type, from data: Data) throws(FunctionError) -> Event {
        try checkSize(data)
        try checkUTF8(data)
        do {
            try refuseNUL(data)
            return try JSONCoding.decoder().decode(type, from: data)
        } catch let error as FunctionError {
            throw error
        } catch let error as DecodingError {
            throw FunctionError(decoding: error)
        } catch {
            throw .badInput(.invalidJSON, field: "$", "the event is not valid JSON")
        }
    }

    public static func checkSize(_ data: Data) throws(FunctionError) {
        guard data.count <= maximumEventBytes else {
            throw .badInput(
                .eventTooLarge, field: "$",
                "the event is \(data.count) bytes; the limit is \(maximumEventBytes) bytes")
        }
    }

    public static func checkUTF8(_ data: Data) throws(FunctionError) {
        guard String(validating: data, as: UTF8.self) != nil else {
            throw .badInput(.invalidUTF8, field: "$", "the event is not valid UTF-8 text")
        }
    }

    /// Refuses a NUL character (`\u0000`) in any string or key, naming the first field that holds one:
    /// PostgreSQL's text cannot store it, and no field of an event has a use for it. The event is
    /// parsed a second time only when its text holds the escape at all.
    public static func refuseNUL(_ data: Data) throws(FunctionError) {
        guard mayHoldNUL(data),
            let value = try? JSONCoding.decoder().decode(JSONValue.self, from: data),
            let field = firstNUL(in: value, path: "")
        else { return }
        throw .badInput(.invalidValue, field: field, "\(field) must not contain the NUL character (\\u0000)")
    }

    /// Whether the text holds `\u0000` anywhere (a byte scan: `Data.firstRange(of:)` cost a tenth of an
    /// imported invoice's decoding, bench/import under perf).
    static func mayHoldNUL(_ data: Data) -> Bool {
        let escape = Array(#"\u0000"#.utf8)
        return data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Bool in
            guard bytes.count >= escape.count else { return false }
            var start = 0
            let last = bytes.count - escape.count
            while start <= last {
                guard let found = memchr(bytes.baseAddress! + start, Int32(UInt8(ascii: "\\")), last - start + 1) else {
                    return false
                }
                let at = bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
                if memcmp(found, escape, escape.count) == 0 { return true }
                start = at + 1
            }
            return false
        }
    }

    private static func firstNUL(in value: JSONValue, path: String) -> String? {
        switch value {
        case .string(let text): return text.unicodeScalars.contains("\u{0}") ? (path.isEmpty ? "$" : path) : nil
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let found = firstNUL(in: item, path: path + "[\(index)]") { return found }
            }
            return nil
        case .object(let members):
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                let memberPath = path.isEmpty ? key : path + "." + key
                if key.unicodeScalars.contains("\u{0}") { return memberPath }
                if let found = firstNUL(in: member, path: memberPath) { return found }
            }
            return nil
        case .null, .bool, .number: return nil
        }
    }

    /// `customer.email`, `lines[2].amount`; `$` for the event itself.
    public static func fieldPath(_ codingPath: [any CodingKey]) -> String {
        var path = ""
        for key in codingPath {
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += path.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return path.isEmpty ? "$" : path
    }
}

extension FunctionError {
    /// The field and what was wrong with it, from a `DecodingError`.
    public init(decoding error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            let field = EventDecoding.fieldPath(context.codingPath + [key])
            self = .badInput(.missingField, field: field, "\(field) is required")
        case .valueNotFound(let type, let context):
            let field = EventDecoding.fieldPath(context.codingPath)
            self = .badInput(.missingField, field: field, "\(field) must be \(Self.typeName(type)), not null")
        case .typeMismatch(let type, let context):
            let field = EventDecoding.fieldPath(context.codingPath)
            self = .badInput(.wrongType, field: field, "\(field) must be \(Self.typeName(type))")
        case .dataCorrupted(let context):
            let field = EventDecoding.fieldPath(context.codingPath)
            if context.codingPath.isEmpty {
                self = .badInput(.invalidJSON, field: "$", "the event is not valid JSON")
            } else {
                self = .badInput(.invalidValue, field: field, "\(field): \(context.debugDescription)")
            }
        @unknown default:
            self = .badInput(.invalidJSON, field: "$", "the event could not be read")
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Bool.Type: "true or false"
        case is Double.Type, is Decimal.Type: "a number"
        case is Date.Type: "an RFC 3339 timestamp string"
        default:
            String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
