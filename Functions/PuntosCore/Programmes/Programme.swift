package import PuntosPostgres
package import PuntosRuntime

/// A loyalty programme's settings, as stored in `programmes`.
package struct Programme: Sendable, Equatable {
    package static let defaultID = "default"

    package let id: String
    package let name: String
    package let currency: String
    package let cardPrefix: String
    package let cardLength: Int
    package let defaultCountryCode: String
    package let agreementRequired: Bool
    /// The language of messages to a customer who has none (`en`, `es`, `ru-RU`).
    package let locale: String
    /// An IANA time-zone name: the programme's business days are counted in it.
    package let timeZone: String

    /// Loads the programme an event names; an unknown one is refused with the field named.
    package static func load(_ id: String, from connection: PostgresConnection) throws -> Programme {
        try ProgrammeStore(connection: connection).load(id)
    }

    /// A programme from a row holding the `programmes` columns above (other statements select more).
    package init(_ row: PostgresRow) throws {
        id = try row.decode("id")
        name = try row.decode("name")
        currency = try row.decode("currency")
        cardPrefix = try row.decode("card_prefix")
        cardLength = try row.decode("card_length")
        defaultCountryCode = try row.decode("default_country_code")
        agreementRequired = try row.decode("agreement_required")
        locale = try row.decode("locale")
        timeZone = try row.decode("time_zone")
    }
}
