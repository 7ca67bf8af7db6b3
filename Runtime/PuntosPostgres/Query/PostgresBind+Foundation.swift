public import FoundationEssentials

extension Date: PostgresEncodable {
    /// Sent as an RFC 3339 UTC timestamp, read by PostgreSQL as `timestamptz`.
    public var postgresBind: PostgresBind { .text(Timestamp.format(self)) }
}

extension Decimal: PostgresEncodable {
    /// Sent as its exact decimal digits, read by PostgreSQL as `numeric`.
    public var postgresBind: PostgresBind { .text(description) }
}

extension UUID: PostgresEncodable {
    public var postgresBind: PostgresBind { .text(uuidString.lowercased()) }
}
