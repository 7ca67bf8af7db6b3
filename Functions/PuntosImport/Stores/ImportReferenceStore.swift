import Foundation
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// The accounts a batch's records name, in one query over the staged references (`import_refs`): the
/// card (or the external id's current card), its status, the customer's segment and agreement, and
/// whether the record's natural key was applied before. The kinds differ only in that last question
/// (and in whether the agreement matters).
struct ImportReferenceStore {
    let session: ImportSession
    /// The connection it reads on: the session's, or the one a run prepares batches on.
    let database: Database

    /// The lookup of one kind: a statement over `import_refs` answering `line` and `ImportAccount`'s
    /// columns, for the programme.
    enum Lookup {
        /// An invoice's: recorded when its number is; the agreement as of its first acceptance.
        case invoices
        /// An adjustment's: recorded when its key is, by an import or by `accrue`.
        case adjustments

        /// One statement for both kinds: they differ only in the agreement and the `recorded` test.
        func statement(_ programme: String) -> SQL {
            let invoices = self == .invoices
            return """
                SELECT r.line, c.number AS card, c.status, c.customer_id, u.segment,
                       CASE WHEN \(invoices)::boolean
                            THEN (SELECT f.agreement_from FROM puntos_agreements_from(ARRAY[u.id]) f) END AS agreement_from,
                       CASE WHEN \(invoices)::boolean
                            THEN EXISTS (SELECT 1 FROM invoices i WHERE i.programme_id = \(programme) AND i.number = r.number)
                            ELSE EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.programme_id = \(programme)
                                         AND k.scope IN ('import.adjust', 'accrue.adjust') AND k.key = r.number)
                       END AS recorded
                FROM import_refs r
                JOIN LATERAL (
                    SELECT c.number, c.status, c.customer_id FROM cards c
                    WHERE c.programme_id = \(programme)
                      AND c.number = coalesce(r.card_number,
                          (SELECT puntos_current_card(x.id) FROM customers x
                           WHERE x.programme_id = \(programme) AND x.external_id = r.external_id))
                    LIMIT 1) c ON true
                JOIN customers u ON u.id = c.customer_id
                """
        }
    }

    /// The account of each line's reference, by line (a reference that names no card: no entry).
    func accounts(_ references: [ImportReference], _ lookup: Lookup) throws -> [Int: ImportAccount] {
        guard !references.isEmpty else { return [:] }
        // One transaction, so that every statement runs on one server connection (the staging table is
        // the session's own) behind a pooler in transaction mode too.
        return try database.withTransaction { connection in
            let staging = StagingStore(connection: connection)
            try staging.create()
            try staging.empty("import_refs")
            try connection.copyIn("COPY import_refs (line, number, card_number, external_id) FROM STDIN") {
                try $0.references(references)
            }
            try staging.analyze("import_refs")
            var accounts: [Int: ImportAccount] = [:]
            for row in try connection.query(lookup.statement(session.programme)) {
                accounts[try row.decode("line")] = try ImportAccount(row)
            }
            return accounts
        }
    }
}
