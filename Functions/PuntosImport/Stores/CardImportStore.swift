import Foundation
import PuntosCore
import PuntosPostgres

/// The statements behind card records: stage a batch, read each card's owner and each customer's
/// active card, link the new cards (with their `linked` card events) and record agreements.
struct CardImportStore {
    let connection: PostgresConnection
    let session: ImportSession

    struct State {
        var owner: Int64?
        var activeCard: String?
    }

    func stage(_ batch: [(Numbered<CardImport.Record>, Int64)]) throws -> [Int: State] {
        let staging = StagingStore(connection: connection)
        try staging.empty("import_cards")
        guard !batch.isEmpty else { return [:] }
        try connection.copyIn(
            "COPY import_cards (line, card_number, customer_id, issued_at, version, accepted_at, origin) FROM STDIN"
        ) { writer in
            for (item, customerId) in batch {
                let r = item.record
                try writer.row([
                    String(item.line), r.number.digits, String(customerId), r.issuedAt.map(Timestamp.format), r.version,
                    r.acceptedAt.map(Timestamp.format), session.origin(item.line),
                ])
            }
        }
        try staging.analyze("import_cards")
        let rows = try connection.query(
            """
            SELECT s.line, c.customer_id AS owner,
                   (SELECT a.number FROM cards a WHERE a.customer_id = s.customer_id AND a.status = 'active') AS active_card
            FROM import_cards s LEFT JOIN cards c ON c.number = s.card_number
            """)
        var states: [Int: State] = [:]
        for row in rows {
            states[try row.decode("line")] = State(
                owner: try row.decodeIfPresent("owner"), activeCard: try row.decodeIfPresent("active_card"))
        }
        return states
    }

    /// Links the printed cards of these staged lines, each with its `linked` card event; answers the lines linked.
    func link(lines: [Int]) throws -> Set<Int> {
        guard !lines.isEmpty else { return [] }
        let rows = try connection.query(
            """
            WITH card AS (
                INSERT INTO cards (number, programme_id, customer_id, origin, issued_at)
                SELECT card_number, \(session.programme), customer_id, 'printed', coalesce(issued_at, now())
                FROM import_cards WHERE line IN (SELECT unnest(\(lines.map(String.init))::int[])) ORDER BY line
                ON CONFLICT (number) DO NOTHING RETURNING number),
            event AS (
                INSERT INTO card_events (card_number, kind, source, request_id, at)
                SELECT s.card_number, 'linked', 'import', s.origin, coalesce(s.issued_at, now())
                FROM card JOIN import_cards s ON s.card_number = card.number)
            SELECT s.line FROM card JOIN import_cards s ON s.card_number = card.number
            """)
        return Set(try rows.map { try $0.decode("line") })
    }

    /// Records the agreements these staged lines carry; one recorded before changes nothing.
    func recordAgreements(lines: [Int]) throws {
        guard !lines.isEmpty else { return }
        try connection.query(
            """
            INSERT INTO agreements (customer_id, version, accepted_at, source, request_id)
            SELECT customer_id, version, coalesce(accepted_at, issued_at, now()), 'import', origin FROM import_cards
            WHERE version IS NOT NULL AND line IN (SELECT unnest(\(lines.map(String.init))::int[])) ORDER BY line
            ON CONFLICT (customer_id, version) DO NOTHING
            """)
    }
}
