/// A coding key for any name, to list the keys an object really has.
public struct AnyCodingKey: CodingKey, Sendable {
    public let stringValue: String
    public let intValue: Int?
    public init(stringValue: String) { self.stringValue = stringValue; intValue = nil }
    public init(intValue: Int) { stringValue = String(intValue); self.intValue = intValue }
}

extension Decoder {
    /// Refuses keys the event type does not know, so that a misspelt field (`emial`) is an error
    /// instead of being silently ignored.
    public func rejectUnknownKeys<Key: CodingKey & CaseIterable>(_ known: Key.Type) throws {
        let container = try container(keyedBy: AnyCodingKey.self)
        // `Key(stringValue:)` answers a known name without building a set per object (this check was a
        // fifth of an imported invoice's decoding); only a refusal sorts, to name the first unknown key.
        let unknownNames = container.allKeys.lazy.map(\.stringValue).filter { Key(stringValue: $0) == nil }
        if let unknown = unknownNames.sorted().first {
            let field = EventDecoding.fieldPath(codingPath + [AnyCodingKey(stringValue: unknown)])
            let names = Key.allCases.map(\.stringValue).sorted().joined(separator: ", ")
            throw FunctionError.badInput(
                .unknownField, field: field, "\(field) is not a known field; expected one of: \(names)")
        }
    }
}
