package import PuntosPostgres

/// The `lots` a customer spends from and the `lot_draws` that record each spend, one home for every
/// module that spends or gives back points (the ledger's redemptions, a reward's purchase): the
/// lots are read and locked in `LotPlan`'s spending order, and an entry's draws move their lots.
package struct LotStore {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) { self.connection = connection }

    /// A customer's lots with points left (active, or pending with `active: false`), soonest-expiring first, locked.
    package func spendable(customerId: Int64, active: Bool = true) throws -> [SpendableLot] {
        try connection.query(
            """
            SELECT id, remaining, expires_at FROM lots
            WHERE customer_id = \(customerId) AND remaining > 0 AND active = \(active)
            ORDER BY expires_at NULLS LAST, id FOR UPDATE
            """
        ).map {
            SpendableLot(
                id: try $0.decode("id"), remaining: try $0.decode("remaining"), expiresAt: try $0.decodeIfPresent("expires_at"))
        }
    }

    /// What one entry took from each lot, as positive amounts (to give back with `LotPlan.giveBack`).
    package func drawnBy(entryId: Int64) throws -> [SpendableLot] {
        try connection.query(
            """
            SELECT l.id, l.expires_at, -d.points AS drawn
            FROM lot_draws d JOIN lots l ON l.id = d.lot_id WHERE d.entry_id = \(entryId) AND d.points < 0
            """
        ).map {
            SpendableLot(
                id: try $0.decode("id"), remaining: try $0.decode("drawn"), expiresAt: try $0.decodeIfPresent("expires_at"))
        }
    }

    /// Records an entry's draws and applies them to their lots, in one statement.
    package func apply(entryId: Int64, _ draws: [LotDraw]) throws {
        let merged = Dictionary(draws.map { ($0.lotId, $0.points) }, uniquingKeysWith: +).filter { $0.value != 0 }
        guard !merged.isEmpty else { return }
        let ids = merged.keys.map { String($0) }
        let points = merged.keys.map { String(merged[$0]!) }
        try connection.query(
            """
            WITH d AS (SELECT lot::bigint AS lot_id, pts::bigint AS points
                       FROM unnest(\(ids)::text[], \(points)::text[]) AS t(lot, pts)),
            ins AS (INSERT INTO lot_draws (entry_id, lot_id, points) SELECT \(entryId), lot_id, points FROM d)
            UPDATE lots SET remaining = lots.remaining + d.points FROM d WHERE lots.id = d.lot_id
            """)
    }
}
