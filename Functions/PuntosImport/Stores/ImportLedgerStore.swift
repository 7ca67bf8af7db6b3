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

    /// Locks the accounts of `customerIds` (created when new); answers, for those below zero, the
    /// points they owe (what their next available credits pay back first, as `accrue`'s do).
    func lockAccounts(customerIds: [Int64]) throws -> [Int64: Int64] {
        try debts(
            connection.query(
                """
                WITH c AS (SELECT DISTINCT unnest(\(customerIds.map { String($0) })::text[])::bigint AS customer_id),
                ins AS (INSERT INTO accounts (customer_id, programme_id, may_go_negative)
                        SELECT c.customer_id, p.id, p.allow_negative FROM c, programmes p WHERE p.id = \(programme)
                        ORDER BY c.customer_id ON CONFLICT (customer_id) DO NOTHING),
                locked AS MATERIALIZED (
                    SELECT a.customer_id, a.available FROM accounts a JOIN c ON c.customer_id = a.customer_id
                    ORDER BY a.customer_id FOR UPDATE OF a)
                SELECT customer_id, -available AS debt FROM locked WHERE available < 0
                """))
    }

    /// Locks the accounts of the customers staged in `import_credits`, as `lockAccounts(customerIds:)`.
    func lockStagedCreditAccounts() throws -> [Int64: Int64] {
        try debts(
            connection.query(
                """
                WITH c AS (SELECT DISTINCT customer_id FROM import_credits),
                ins AS (INSERT INTO accounts (customer_id, programme_id, may_go_negative)
                        SELECT c.customer_id, p.id, p.allow_negative FROM c, programmes p WHERE p.id = \(programme)
                        ORDER BY c.customer_id ON CONFLICT (customer_id) DO NOTHING),
                locked AS MATERIALIZED (
                    SELECT a.customer_id, a.available FROM accounts a JOIN c ON c.customer_id = a.customer_id
                    ORDER BY a.customer_id FOR UPDATE OF a)
                SELECT customer_id, -available AS debt FROM locked WHERE available < 0
                """))
    }

    private func debts(_ rows: PostgresRows) throws -> [Int64: Int64] {
        var debts: [Int64: Int64] = [:]
        for row in rows { debts[try row.decode("customer_id")] = try row.decode("debt") }
        return debts
    }

    /// Pays `debts` back from the batch's credited lots, as `accrue` pays a negative balance from a
    /// credit: each debtor's available lots in the file's order, each paying what is still owed, with a
    /// draw on the lot recorded against its own credit entry. A lot that arrives expired pays first and
    /// expires only the rest. Answers what each lot paid, by lot.
    func payDebts(_ debts: [Int64: Int64], from lots: [CreditedLot]) throws -> [Int64: Int64] {
        guard !debts.isEmpty else { return [:] }
        var owed = debts
        var paid: [CreditedLot] = []
        var amounts: [Int64: Int64] = [:]
        for lot in lots.sorted(by: { $0.line < $1.line }) where lot.active {
            guard let debt = owed[lot.customerId], debt > 0 else { continue }
            let pays = min(debt, lot.points)
            owed[lot.customerId] = debt - pays
            amounts[lot.lotId] = pays
            paid.append(lot)
        }
        guard !paid.isEmpty else { return [:] }
        try connection.query(
            """
            WITH d AS (SELECT entry::bigint AS entry_id, lot::bigint AS lot_id, -pts::bigint AS points, exp::boolean AS expired
                       FROM unnest(\(paid.map { String($0.entryId) })::text[], \(paid.map { String($0.lotId) })::text[],
                                   \(paid.map { String(amounts[$0.lotId]!) })::text[], \(paid.map { $0.expired ? "t" : "f" })::text[])
                            AS t(entry, lot, pts, exp)),
            ins AS (INSERT INTO lot_draws (entry_id, lot_id, points) SELECT entry_id, lot_id, points FROM d)
            UPDATE lots SET remaining = lots.remaining + d.points FROM d WHERE lots.id = d.lot_id AND NOT d.expired
            """)
        return amounts
    }

    /// The expiry entries (and draws) of credited lots already past their expiry, staged in
    /// `import_credits`: each expires its points less what it paid of a debt (`paid`, by lot).
    func expire(credits: [(lot: Int64, line: Int)], paid: [Int64: Int64]) throws {
        guard !credits.isEmpty else { return }
        try connection.query(
            """
            WITH e AS (SELECT lot::bigint AS lot_id, line::int AS line, paid::bigint AS paid
                       FROM unnest(\(credits.map { String($0.lot) })::text[], \(credits.map { String($0.line) })::text[],
                                   \(credits.map { String(paid[$0.lot, default: 0]) })::text[]) AS t(lot, line, paid)),
            exp AS (
                INSERT INTO ledger_entries (programme_id, customer_id, card_number, kind, available_delta, lot_id, reason,
                                            source, request_id, at)
                SELECT \(programme), l.customer_id, s.card_number, 'expiry', e.paid - l.points, l.id, 'points expired', 'import',
                       s.origin, l.expires_at
                FROM e JOIN lots l ON l.id = e.lot_id JOIN import_credits s ON s.line = e.line
                WHERE l.points > e.paid
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

/// A lot one import batch credited, with its credit entry, as `ImportLedgerStore.payDebts` reads it.
struct CreditedLot {
    let line: Int
    let customerId: Int64
    let entryId: Int64
    let lotId: Int64
    let points: Int64
    let active: Bool
    let expired: Bool

    init(_ row: PostgresRow) throws {
        line = try row.decode("line")
        customerId = try row.decode("customer_id")
        entryId = try row.decode("entry_id")
        lotId = try row.decode("lot_id")
        points = try row.decode("points")
        active = try row.decode("active")
        expired = try row.decode("expired")
    }
}
