import Foundation
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRuntime

/// The statements of `puntos import invoices`: the batch's invoices, lots and ledger entries in one
/// transaction of set-based statements over the staged rows.
struct InvoiceImportStore {
    let session: ImportSession
    /// The connection it writes on: one of the run's writers'.
    let database: Database

    /// Records the invoices, their lots and accrual entries (and, for lots already expired, their expiry
    /// entries and draws) in one transaction; answers the numbers it recorded (one recorded meanwhile
    /// by someone else is left alone). A pooled member's invoices earn into the pool's account (as
    /// `lockEarning` has them); the accounts are locked first, then what depends on the history before
    /// each invoice (tiers, promotion limits: `InvoiceHistory`) is decided under those locks.
    func insert(_ priced: [PricedInvoice], rules: RuleCache) throws -> Set<String> {
        guard !priced.isEmpty else { return [] }
        let programme = session.programme
        return try database.withTransaction { connection in
            var invoices = priced
            let pools =
                session.settings.hasPooledOrganisations
                ? try OrganisationAccountStore(connection: connection, programmeId: programme).pools(
                    memberIds: Array(Set(invoices.map(\.customerId)))) : [:]
            if !pools.isEmpty {
                for i in invoices.indices { invoices[i].customerId = pools[invoices[i].customerId] ?? invoices[i].customerId }
            }
            let ledger = ImportLedgerStore(connection: connection, programme: programme)
            let debts = try ledger.lockAccounts(customerIds: Array(Set(invoices.map(\.customerId))))
            let history = InvoiceHistory(connection: connection, session: session)
            let writes = try history.price(&invoices, rules: rules)
            let staging = StagingStore(connection: connection)
            try staging.create()
            try staging.empty("import_invoices")
            try connection.copyIn(
                """
                COPY import_invoices (line, number, order_number, customer_id, card_number, channel, region, invoiced_at, currency,
                                      status, points, lines, rule, activates_at, active, expires_at, expired, expire_now, origin)
                FROM STDIN
                """
            ) { writer in
                for i in invoices {
                    try writer.row([
                        String(i.line), i.number, i.orderNumber, String(i.customerId), i.cardNumber, i.channel, i.region,
                        Timestamp.format(i.invoicedAt), i.currency, i.status.rawValue, String(i.points), i.lines, i.rule,
                        Timestamp.format(i.lot.activatesAt), i.lot.active ? "t" : "f", i.lot.expiresAt.map(Timestamp.format),
                        i.lot.expired ? "t" : "f", i.lot.expired && debts[i.customerId] == nil ? "t" : "f", i.origin,
                    ])
                }
            }
            try staging.analyze("import_invoices (number)")
            let rows = try connection.query(
                """
                WITH inv AS (
                    INSERT INTO invoices (programme_id, number, order_number, customer_id, card_number, channel, region,
                                          invoiced_at, currency, status, points, lines)
                    SELECT \(programme), number, order_number, customer_id, card_number, channel, region, invoiced_at, currency,
                           status, points, lines
                    FROM import_invoices ORDER BY line
                    ON CONFLICT (programme_id, number) DO NOTHING RETURNING id, number),
                lot AS (
                    INSERT INTO lots (customer_id, invoice_id, points, remaining, activates_at, active, expires_at, created_at)
                    SELECT s.customer_id, inv.id, s.points, CASE WHEN s.expired THEN 0 ELSE s.points END, s.activates_at,
                           s.active, s.expires_at, s.invoiced_at
                    FROM inv JOIN import_invoices s ON s.number = inv.number
                    WHERE s.status = 'accrued' AND s.points > 0
                    RETURNING id, invoice_id),
                entry AS (
                    INSERT INTO ledger_entries (programme_id, customer_id, card_number, kind, available_delta, pending_delta,
                                                invoice_number, order_number, lot_id, rule, reason, source, request_id, at)
                    SELECT \(programme), s.customer_id, s.card_number, k.kind,
                           CASE WHEN k.kind = 'expiry' THEN -s.points WHEN s.active THEN s.points ELSE 0 END,
                           CASE WHEN k.kind = 'expiry' OR s.active THEN 0 ELSE s.points END, s.number, s.order_number, lot.id,
                           CASE WHEN k.kind = 'accrual' THEN s.rule ELSE '{}' END, CASE WHEN k.kind = 'expiry' THEN 'points expired' END,
                           'import', s.origin, CASE WHEN k.kind = 'expiry' THEN s.expires_at ELSE s.invoiced_at END
                    FROM lot JOIN inv ON inv.id = lot.invoice_id JOIN import_invoices s ON s.number = inv.number
                    CROSS JOIN LATERAL (VALUES ('accrual', 1), ('expiry', 2)) AS k(kind, n)
                    WHERE k.kind = 'accrual' OR s.expire_now
                    ORDER BY s.line, k.n
                    RETURNING id, lot_id, kind, available_delta),
                draw AS (
                    INSERT INTO lot_draws (entry_id, lot_id, points)
                    SELECT id, lot_id, available_delta FROM entry WHERE kind = 'expiry')
                SELECT inv.number, lot.id AS lot_id, entry.id AS entry_id, s.line, s.customer_id, s.points, s.active, s.expired
                FROM inv JOIN import_invoices s ON s.number = inv.number
                LEFT JOIN lot ON lot.invoice_id = inv.id LEFT JOIN entry ON entry.lot_id = lot.id AND entry.kind = 'accrual'
                """)
            var inserted: Set<String> = []
            var credited: [CreditedLot] = []
            for row in rows {
                inserted.insert(try row.decode("number"))
                if try row.decodeIfPresent("lot_id", as: Int64.self) != nil { credited.append(try CreditedLot(row)) }
            }
            let paid = try ledger.payDebts(debts, from: credited)
            // A lot that arrived expired was expired by the statement above, unless its customer owed points:
            // then it pays the debt first (`payDebts`) and only the rest expires.
            let expired = credited.filter { $0.expired && debts[$0.customerId] != nil && $0.points > paid[$0.lotId, default: 0] }
            if !expired.isEmpty {
                try connection.query(
                    """
                    WITH e AS (SELECT lot::bigint AS lot_id, line::int AS line, pts::bigint AS points
                               FROM unnest(\(expired.map { String($0.lotId) })::text[], \(expired.map { String($0.line) })::text[],
                                           \(expired.map { String($0.points - paid[$0.lotId, default: 0]) })::text[])
                                    AS t(lot, line, pts)),
                    exp AS (
                        INSERT INTO ledger_entries (programme_id, customer_id, card_number, kind, available_delta, lot_id,
                                                    invoice_number, order_number, reason, source, request_id, at)
                        SELECT \(programme), s.customer_id, s.card_number, 'expiry', -e.points, e.lot_id, s.number, s.order_number,
                               'points expired', 'import', s.origin, s.expires_at
                        FROM e JOIN import_invoices s ON s.line = e.line
                        ORDER BY s.line
                        RETURNING id, lot_id, available_delta)
                    INSERT INTO lot_draws (entry_id, lot_id, points) SELECT id, lot_id, available_delta FROM exp
                    """)
            }
            try history.record(writes, inserted: inserted)
            return inserted
        }
    }
}
