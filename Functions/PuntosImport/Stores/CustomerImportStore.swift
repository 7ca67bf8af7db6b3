import PuntosCore
import PuntosPostgres

/// The statements behind customer records: stage a batch, read the customers its identifiers name,
/// create the new ones and complete the known ones, set-based.
struct CustomerImportStore {
    let connection: PostgresConnection
    let programme: String

    /// Stages the batch in `import_customers`; answers, per line, the customers its identifiers name.
    func stage(_ batch: [Numbered<CustomerIdentity>]) throws -> [Int: [CustomerMatch.Stored]] {
        let staging = StagingStore(connection: connection)
        try staging.create()
        try staging.empty("import_customers")
        guard !batch.isEmpty else { return [:] }
        try connection.copyIn("COPY import_customers (line, external_id, email, phone, name, locale) FROM STDIN") { writer in
            for item in batch {
                let c = item.record
                try writer.row([String(item.line), c.externalId, c.email?.value, c.phone?.e164, c.name, c.locale])
            }
        }
        try staging.analyze("import_customers")
        let rows = try connection.query(
            """
            SELECT s.line, c.id, c.external_id, c.email, c.phone, c.name, c.locale
            FROM import_customers s JOIN customers c ON c.programme_id = \(programme) AND c.external_id = s.external_id
            UNION
            SELECT s.line, c.id, c.external_id, c.email, c.phone, c.name, c.locale
            FROM import_customers s JOIN customers c ON c.programme_id = \(programme) AND c.email = s.email
            UNION
            SELECT s.line, c.id, c.external_id, c.email, c.phone, c.name, c.locale
            FROM import_customers s JOIN customers c ON c.programme_id = \(programme) AND c.phone = s.phone
            """)
        var found: [Int: [CustomerMatch.Stored]] = [:]
        for row in rows {
            found[try row.decode("line"), default: []].append(
                CustomerMatch.Stored(
                    id: try row.decode("id"), externalId: try row.decodeIfPresent("external_id"),
                    email: try row.decodeIfPresent("email"), phone: try row.decodeIfPresent("phone"),
                    name: try row.decodeIfPresent("name"), locale: try row.decodeIfPresent("locale")))
        }
        return found
    }

    /// Creates the customers of these staged lines; answers each created line's customer.
    func create(lines: [Int]) throws -> [(Int, Int64)] {
        guard !lines.isEmpty else { return [] }
        return try connection.query(
            """
            WITH ins AS (
                INSERT INTO customers (programme_id, external_id, email, phone, name, locale)
                SELECT \(programme), external_id, email, phone, name, locale FROM import_customers
                WHERE line IN (SELECT unnest(\(lines.map(String.init))::int[])) ORDER BY line
                ON CONFLICT DO NOTHING RETURNING id, external_id, email, phone),
            s AS (SELECT line, external_id, email, phone FROM import_customers
                  WHERE line IN (SELECT unnest(\(lines.map(String.init))::int[])))
            -- Each identifier joined on its own (by hash): one join on the three with OR compared every
            -- staged line with every created customer.
            SELECT s.line, ins.id FROM ins JOIN s ON s.external_id = ins.external_id
            UNION SELECT s.line, ins.id FROM ins JOIN s ON s.email = ins.email
            UNION SELECT s.line, ins.id FROM ins JOIN s ON s.phone = ins.phone
            """
        ).map { (try $0.decode("line"), try $0.decode("id")) }
    }

    /// Completes the customers of these staged lines with the identifiers, name and locale they lacked.
    func complete(lines: [Int]) throws {
        guard !lines.isEmpty else { return }
        try connection.query(
            """
            UPDATE customers c SET external_id = coalesce(c.external_id, s.external_id), email = coalesce(c.email, s.email),
                phone = coalesce(c.phone, s.phone), name = coalesce(s.name, c.name), locale = coalesce(s.locale, c.locale)
            FROM import_customers s
            WHERE s.line IN (SELECT unnest(\(lines.map(String.init))::int[])) AND c.programme_id = \(programme)
              AND (c.external_id = s.external_id OR c.email = s.email OR c.phone = s.phone)
            """)
    }
}
