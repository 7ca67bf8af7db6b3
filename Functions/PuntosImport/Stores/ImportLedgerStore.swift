import Foundation
import PuntosCore
import PuntosLedger
import PuntosPostgres

/// What every ledger import does first in its transaction: the staged customers' accounts, created when
/// new and locked in customer order, the order every ledger write takes them in, so an import and the
/// functions running beside it wait for each other instead of deadlocking.
struct ImportLedgerStore {
    let connection: PostgresConnection
    let programme: String

    enum Staged { case invoices, credits }

    func lockAccounts(table: Staged) throws {
        switch table {
        case .invoices:
            try connection.query(
                """
                WITH c AS (SELECT DISTINCT customer_id FROM import_invoices),
                ins AS (INSERT INTO accounts (customer_id, programme_id, may_go_negative)
                        SELECT c.customer_id, p.id, p.allow_negative FROM c, programmes p WHERE p.id = \(programme)
                        ORDER BY c.customer_id ON CONFLICT (customer_id) DO NOTHING)
                SELECT 1 FROM accounts a JOIN c ON c.customer_id = a.customer_id ORDER BY a.customer_id FOR UPDATE OF a
                """)
        case .credits:
            try connection.query(
                """
                WITH c AS (SELECT DISTINCT customer_id FROM import_credits),
                ins AS (INSERT INTO accounts (customer_id, programme_id, may_go_negative)
                        SELECT c.customer_id, p.id, p.allow_negative FROM c, programmes p WHERE p.id = \(programme)
                        ORDER BY c.customer_id ON CONFLICT (customer_id) DO NOTHING)
                SELECT 1 FROM accounts a JOIN c ON c.customer_id = a.customer_id ORDER BY a.customer_id FOR UPDATE OF a
                """)
        }
    }

    /// The expiry entries (and draws) of credited lots already past their expiry, staged in `import_credits`.
    func expire(credits: [(lot: Int64, line: Int)]) throws {
        guard !credits.isEmpty else { return }
        try connection.query(
            """
            WITH e AS (SELECT lot::bigint AS lot_id, line::int AS line
                       FROM unnest(\(credits.map { String($0.lot) })::text[], \(credits.map { String($0.line) })::text[]) AS t(lot, line)),
            exp AS (
                INSERT INTO ledger_entries (programme_id, customer_id, card_number, kind, available_delta, lot_id, reason,
                                            source, request_id, at)
                SELECT \(programme), l.customer_id, s.card_number, 'expiry', -l.points, l.id, 'points expired', 'import',
                       s.origin, l.expires_at
                FROM e JOIN lots l ON l.id = e.lot_id JOIN import_credits s ON s.line = e.line
                ORDER BY e.line
                RETURNING id, lot_id, available_delta)
            INSERT INTO lot_draws (entry_id, lot_id, points) SELECT id, lot_id, available_delta FROM exp
            """)
    }

    /// A customer's available points now.
    func available(customerId: Int64) throws -> Int64 {
        try connection.query("SELECT available FROM accounts WHERE customer_id = \(customerId)").one().decode("available")
    }

    /// Records an adjustment's key (staged in `import_credits` at `line`); false when it was recorded before.
    func recordKey(_ key: String, line: Int) throws -> Bool {
        try !connection.query(
            """
            INSERT INTO idempotency_keys (programme_id, scope, key, request, response)
            SELECT \(programme), 'import.adjust', key, request,
                   jsonb_build_object('status', 'adjusted', 'points', points, 'source', origin)
            FROM import_credits WHERE line = \(line)
            ON CONFLICT DO NOTHING RETURNING key
            """
        ).isEmpty
    }

    /// A debit's entry, its draws on the lots, and the lots' remaining points.
    func debit(_ a: StagedAdjustment, draws: [LotDraw]) throws {
        let r = a.item.record
        try connection.query(
            """
            WITH e AS (
                INSERT INTO ledger_entries (programme_id, customer_id, card_number, kind, available_delta, reason, source,
                                            request_id, at)
                VALUES (\(programme), \(a.account.customerId), \(a.account.cardNumber), 'adjustment', \(r.points), \(r.reason),
                        'import', \(a.origin), \(r.date))
                RETURNING id),
            d AS (SELECT lot::bigint AS lot_id, pts::bigint AS points
                  FROM unnest(\(draws.map { String($0.lotId) })::text[], \(draws.map { String($0.points) })::text[]) AS t(lot, pts)),
            ins AS (INSERT INTO lot_draws (entry_id, lot_id, points) SELECT e.id, d.lot_id, d.points FROM e, d)
            UPDATE lots SET remaining = lots.remaining + d.points FROM d WHERE lots.id = d.lot_id
            """)
    }
}
