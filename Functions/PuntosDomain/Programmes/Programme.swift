import PuntosPostgres
import PuntosRuntime

/// A loyalty programme's settings, as stored in `programmes`.
public struct Programme: Sendable, Equatable {
    public static let defaultID = "default"

    public let id: String
    public let name: String
    public let currency: String
    public let cardPrefix: String
    public let cardLength: Int
    public let defaultCountryCode: String
    public let agreementRequired: Bool

    /// Loads the programme an event names; an unknown one is refused with the field named.
    public static func load(_ id: String, from connection: PostgresConnection) throws -> Programme {
        let rows = try connection.query(
            """
            SELECT id, name, currency, card_prefix, card_length, default_country_code, agreement_required
            FROM programmes WHERE id = \(id)
            """)
        guard let row = rows.first else {
            throw FunctionError.notFound("programme_not_found", field: "programme", "there is no programme \"\(id)\"")
        }
        return Programme(
            id: try row.decode("id"), name: try row.decode("name"), currency: try row.decode("currency"),
            cardPrefix: try row.decode("card_prefix"), cardLength: try row.decode("card_length"),
            defaultCountryCode: try row.decode("default_country_code"),
            agreementRequired: try row.decode("agreement_required"))
    }
}
