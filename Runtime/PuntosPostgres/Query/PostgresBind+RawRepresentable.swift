/// A type with a raw value (an enum of statuses, say) binds and reads as that raw value:
/// `enum CardStatus: String, PostgresEncodable, PostgresDecodable { case active, blocked }` needs no body.
/// A column text that is no case fails the decode, so an unexpected status is an error, not a guess.
extension PostgresEncodable where Self: RawRepresentable, RawValue: PostgresEncodable {
    public var postgresBind: PostgresBind { rawValue.postgresBind }
}

extension PostgresDecodable where Self: RawRepresentable, RawValue: PostgresDecodable {
    public init?(postgresText text: String) {
        guard let rawValue = RawValue(postgresText: text) else { return nil }
        self.init(rawValue: rawValue)
    }
}
