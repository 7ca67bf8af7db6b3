package import PuntosPostgres
import PuntosRuntime

/// The `programmes` table, as every module reads it.
package struct ProgrammeStore {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) { self.connection = connection }

    /// The programme an event names; an unknown one is refused with the field named.
    package func load(_ id: String) throws -> Programme {
        let rows = try connection.query(
            """
            SELECT id, name, currency, card_prefix, card_length, default_country_code, agreement_required, locale, time_zone
            FROM programmes WHERE id = \(id)
            """)
        guard let row = rows.first else {
            throw FunctionError.notFound(.programmeNotFound, field: "programme", "there is no programme \"\(id)\"")
        }
        return try Programme(row)
    }
}
