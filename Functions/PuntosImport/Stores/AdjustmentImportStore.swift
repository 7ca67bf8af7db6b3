import Foundation
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRuntime

/// The statements of `puntos import adjustments`. Keys are recorded in `idempotency_keys` under the
/// scope `import.adjust` (a key `accrue` used under `accrue.adjust` counts as applied too). Credits are
/// written set-based; debits, which draw on the lots the credits before them left, one at a time in
/// the file's order, in the same transaction.
struct AdjustmentImportStore {
    let session: ImportSession
    let database: Database

    /// Writes the adjustments in one transaction; answers the outcome of each that was not applied.
    func apply(_ adjustments: [StagedAdjustment]) throws -> [Int: Outcome] {
        guard !adjustments.isEmpty else { return [:] }
        let programme = session.programme
        return try database.withTransaction { connection in
            var outcomes: [Int: Outcome] = [:]
            let staging = StagingStore(connection: connection)
            try staging.create()
            try staging.empty("import_credits")
            try connection.copyIn(
                """
                COPY import_credits (line, key, customer_id, card_number, points, reason, at, expires_at, expired, request, origin)
                FROM STDIN
                """
            ) { writer in
                for a in adjustments {
                    let r = a.item.record
                    try writer.row([
                        String(a.item.line), r.key, String(a.account.customerId), a.account.cardNumber, String(r.points),
                        r.reason,
                        Timestamp.format(r.date), a.lot.expiresAt.map(Timestamp.format), a.lot.expired ? "t" : "f", r.request,
                        a.origin,
                    ])
                }
            }
            try staging.analyze("import_credits")
            let ledger = ImportLedgerStore(connection: connection, programme: programme)
            let debts = try ledger.lockStagedCreditAccounts()
            let credited = try connection.query(
                """
                WITH k AS (
                    INSERT INTO idempotency_keys (programme_id, scope, key, request, response)
                    SELECT \(programme), 'import.adjust', key, request,
                           jsonb_build_object('status', 'adjusted', 'points', points, 'source', origin)
                    FROM import_credits WHERE points > 0 ORDER BY line
                    ON CONFLICT DO NOTHING RETURNING key),
                s AS MATERIALIZED (
                    SELECT c.*, nextval(pg_get_serial_sequence('lots', 'id')) AS lot_id
                    FROM import_credits c JOIN k ON k.key = c.key ORDER BY c.line),
                lot AS (
                    INSERT INTO lots (id, customer_id, points, remaining, activates_at, active, expires_at, created_at)
                    OVERRIDING SYSTEM VALUE
                    SELECT lot_id, customer_id, points, CASE WHEN expired THEN 0 ELSE points END, at, true, expires_at, at FROM s),
                entry AS (
                    INSERT INTO ledger_entries (programme_id, customer_id, card_number, kind, available_delta, lot_id, reason,
                                                source, request_id, at)
                    SELECT \(programme), customer_id, card_number, 'adjustment', points, lot_id, reason, 'import', origin, at
                    FROM s ORDER BY line
                    RETURNING id, lot_id)
                SELECT s.key, s.line, s.lot_id, s.customer_id, s.points, true AS active, s.expired, entry.id AS entry_id
                FROM s JOIN entry ON entry.lot_id = s.lot_id
                """)
            let keys = Set(try credited.map { try $0.decode("key") as String })
            let paid = try ledger.payDebts(debts, from: try credited.map(CreditedLot.init))
            let expired: [(lot: Int64, line: Int)] = try credited.filter { try $0.decode("expired") }.map {
                (try $0.decode("lot_id"), try $0.decode("line"))
            }
            try ledger.expire(credits: expired, paid: paid)
            for a in adjustments where a.item.record.points > 0 && !keys.contains(a.item.record.key) {
                outcomes[a.item.line] = .skipped
            }
            let store = LedgerStore(
                connection: connection, settings: session.settings, requestId: "import", now: session.now)
            for a in adjustments.filter({ $0.item.record.points < 0 }).sorted(by: { $0.item.line < $1.item.line }) {
                if let outcome = try debit(a, store: store, ledger: ledger) { outcomes[a.item.line] = outcome }
            }
            return outcomes
        }
    }

    /// One debit: the lots it draws on, `accrue`'s refusal when they fall short (unless balances may go
    /// below zero), then its key, entry and draws.
    private func debit(_ a: StagedAdjustment, store: LedgerStore, ledger: ImportLedgerStore) throws -> Outcome? {
        let r = a.item.record
        let take = LotPlan.take(-r.points, from: try store.spendableLots(customerId: a.account.customerId))
        if take.shortfall > 0 && !session.settings.allowNegative {
            let available = try ledger.available(customerId: a.account.customerId)
            return .rejected(
                .refused(.insufficientPoints, field: "points", "the card has \(max(available, 0)) points available"))
        }
        guard try ledger.recordKey(r.key, line: a.item.line) else { return .skipped }
        try ledger.debit(a, draws: take.draws)
        return nil
    }
}
