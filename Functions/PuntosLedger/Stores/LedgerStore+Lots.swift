package import FoundationEssentials
package import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// Lots: the credits points are spent from, each with its own activation and expiry.
extension LedgerStore {
    /// A customer's lots with points left (active, or pending with `active: false`), soonest-expiring first, locked.
    package func spendableLots(customerId: Int64, active: Bool = true) throws -> [SpendableLot] {
        try LotStore(connection: connection).spendable(customerId: customerId, active: active)
    }

    /// What each lot has net given to a hold's entries (positive: drawn from the lot).
    package func drawnByHold(_ holdId: Int64) throws -> [SpendableLot] {
        try connection.query(
            """
            SELECT l.id, l.expires_at, -sum(d.points) AS drawn
            FROM ledger_entries e JOIN lot_draws d ON d.entry_id = e.id JOIN lots l ON l.id = d.lot_id
            WHERE e.hold_id = \(holdId) GROUP BY l.id, l.expires_at HAVING sum(d.points) < 0
            """
        ).map {
            SpendableLot(
                id: try $0.decode("id"), remaining: try $0.decode("drawn"), expiresAt: try $0.decodeIfPresent("expires_at"))
        }
    }

    /// The lot an invoice credited, if it credited one.
    package func lotId(invoiceId: Int64) throws -> Int64? {
        try connection.query("SELECT id FROM lots WHERE invoice_id = \(invoiceId)").first?.decode("id")
    }

    /// Activates a customer's pending lots whose return window closed; their ids, points left and
    /// when the window closed.
    package func activateDueLots(customerId: Int64) throws -> [(lot: SpendableLot, activatesAt: Date)] {
        try connection.query(
            """
            UPDATE lots SET active = true WHERE customer_id = \(customerId) AND NOT active AND activates_at <= \(now)
            RETURNING id, remaining, activates_at
            """
        ).map {
            (
                SpendableLot(id: try $0.decode("id"), remaining: try $0.decode("remaining"), expiresAt: nil),
                try $0.decode("activates_at")
            )
        }
    }

    /// A customer's active lots past their expiry with points left, locked.
    package func expiredLots(customerId: Int64) throws -> [SpendableLot] {
        try connection.query(
            """
            SELECT id, remaining, expires_at FROM lots
            WHERE customer_id = \(customerId) AND active AND remaining > 0 AND expires_at <= \(now) ORDER BY id FOR UPDATE
            """
        ).map {
            SpendableLot(
                id: try $0.decode("id"), remaining: try $0.decode("remaining"), expiresAt: try $0.decodeIfPresent("expires_at"))
        }
    }
}

/// The customers of a programme with something for `expire` to do (a lot to activate or expire, a
/// hold timed out), at most `limit`, in order.
package struct SweepStore {
    package let connection: PostgresConnection
    package let programmeId: String
    package let now: Date

    package func customersDue(limit: Int) throws -> [Int64] {
        try connection.query(
            """
            SELECT customer_id FROM (
                SELECT customer_id FROM lots WHERE NOT active AND activates_at <= \(now)
                UNION SELECT customer_id FROM lots WHERE active AND remaining > 0 AND expires_at <= \(now)
                UNION SELECT customer_id FROM holds WHERE status = 'open' AND expires_at <= \(now)
            ) due JOIN customers u ON u.id = due.customer_id
            WHERE u.programme_id = \(programmeId) ORDER BY 1 LIMIT \(limit)
            """
        ).map { try $0.decode("customer_id") }
    }
}
