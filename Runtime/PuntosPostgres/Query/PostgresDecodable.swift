public import FoundationEssentials

/// A Swift type that can be read from a column in PostgreSQL's text format.
public protocol PostgresDecodable: Sendable {
    /// Returns nil when the text is not a value of this type.
    init?(postgresText text: String)
}

extension String: PostgresDecodable {
    public init?(postgresText text: String) { self = text }
}

extension Int: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Int64: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Int32: PostgresDecodable {
    public init?(postgresText text: String) { self.init(text) }
}

extension Bool: PostgresDecodable {
    public init?(postgresText text: String) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

extension Decimal: PostgresDecodable {
    public init?(postgresText text: String) {
        guard let value = Decimal(string: text), !value.isNaN else { return nil }
        self = value
    }
}

extension Date: PostgresDecodable {
    /// Reads `timestamptz` (the session runs in UTC with ISO date style) and `date`.
    public init?(postgresText text: String) {
        guard let date = Timestamp.parse(text) else { return nil }
        self = date
    }
}

extension UUID: PostgresDecodable {
    public init?(postgresText text: String) { self.init(uuidString: text) }
}
