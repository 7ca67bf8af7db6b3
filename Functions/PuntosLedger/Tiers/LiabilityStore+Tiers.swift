package import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

extension LiabilityStore {
    /// The liability per tier held at `asOf` (`puntos_bi.points_liability_by_tier_at`, migration 0171);
    /// nil for a programme without tiers.
    package func byTier(_ programme: String, asOf: Date) throws -> [LiabilityReport.Figures]? {
        guard
            try connection.query("SELECT 1 AS found FROM tier_schemes WHERE programme_id = \(programme) LIMIT 1").first != nil
        else { return nil }
        return try connection.query(
            """
            SELECT tier, customers, available, pending, held, available_value, pending_value, held_value
            FROM puntos_bi.points_liability_by_tier_at(\(asOf)) WHERE programme_id = \(programme)
            ORDER BY tier NULLS FIRST
            """
        ).map { row in
            LiabilityReport.Figures(
                segment: nil, tier: try row.decodeIfPresent("tier"), customers: try row.decode("customers"),
                available: try row.decode("available"), pending: try row.decode("pending"), held: try row.decode("held"),
                negative: 0, availableValue: try row.decode("available_value"),
                pendingValue: try row.decode("pending_value"), heldValue: try row.decode("held_value"))
        }
    }
}
