import PuntosPostgres

/// The member's customer row: found by the one identifier an event names, locked, read, and made a
/// tombstone when erased.
struct MemberStore {
    let connection: PostgresConnection

    /// What erasure removes from the customer row.
    struct Person {
        let externalId: String?
        let email: String?
        let phone: String?
        let name: String?
    }

    /// The id of the programme's customer with this identifier (`stored`: its value as stored).
    func customerId(_ identifier: MemberIdentifier.Value, stored text: String, programme: String) throws -> Int64? {
        let rows: PostgresRows
        switch identifier {
        case .customerId(let id):
            rows = try connection.query("SELECT id FROM customers WHERE id = \(id) AND programme_id = \(programme)")
        case .cardNumber:
            rows = try connection.query(
                "SELECT customer_id AS id FROM cards WHERE number = \(text) AND programme_id = \(programme)")
        case .externalId:
            rows = try connection.query("SELECT id FROM customers WHERE programme_id = \(programme) AND external_id = \(text)")
        case .email:
            rows = try connection.query("SELECT id FROM customers WHERE programme_id = \(programme) AND email = \(text)")
        case .phone:
            rows = try connection.query("SELECT id FROM customers WHERE programme_id = \(programme) AND phone = \(text)")
        }
        return try rows.first?.decode("id")
    }

    func lock(_ customer: Int64) throws {
        try connection.query("SELECT id FROM customers WHERE id = \(customer) FOR UPDATE")
    }

    func person(_ customer: Int64) throws -> Person {
        let row = try connection.query("SELECT external_id, email, phone, name FROM customers WHERE id = \(customer)").one()
        return Person(
            externalId: try row.decodeIfPresent("external_id"), email: try row.decodeIfPresent("email"),
            phone: try row.decodeIfPresent("phone"), name: try row.decodeIfPresent("name"))
    }

    /// The customer keeps its id (and segment); its external id becomes `erased:<id>`.
    func makeTombstone(_ customer: Int64) throws {
        try connection.query(
            """
            UPDATE customers SET external_id = 'erased:' || id::text, email = NULL, phone = NULL, name = NULL, locale = NULL,
                                 birth_date = NULL
            WHERE id = \(customer)
            """)
    }
}
