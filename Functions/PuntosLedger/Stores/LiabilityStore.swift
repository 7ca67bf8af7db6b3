package import FoundationEssentials
import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// The liability views (`puntos_bi.points_liability_at`, `points_expiry_at`) of one programme.
package struct LiabilityStore {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) { self.connection = connection }

    /// What the programme's unspent points are worth at `asOf`, by segment and expiry month; an
    /// unknown programme is `programme_not_found`.
    package func report(_ programme: String, asOf: Date) throws -> LiabilityReport {
        let settings = try connection.query(
            "SELECT currency, point_value FROM programmes WHERE id = \(programme)"
        ).first
        guard let settings else {
            throw FunctionError.notFound(.programmeNotFound, field: "programme", "there is no programme \"\(programme)\"")
        }
        let segments = try connection.query(
            """
            SELECT segment, customers, available, pending, held, negative, available_value, pending_value, held_value
            FROM puntos_bi.points_liability_at(\(asOf)) WHERE programme_id = \(programme)
            ORDER BY segment NULLS FIRST
            """
        ).map { row in
            LiabilityReport.Figures(
                segment: try row.decodeIfPresent("segment"), customers: try row.decode("customers"),
                available: try row.decode("available"), pending: try row.decode("pending"), held: try row.decode("held"),
                negative: try row.decode("negative"), availableValue: try row.decode("available_value"),
                pendingValue: try row.decode("pending_value"), heldValue: try row.decode("held_value"))
        }
        let expiry = try connection.query(
            """
            SELECT to_char(expiry_month, 'YYYY-MM') AS month, lots, available, pending, available_value, pending_value
            FROM puntos_bi.points_expiry_at(\(asOf)) WHERE programme_id = \(programme)
            ORDER BY expiry_month NULLS LAST
            """
        ).map { row in
            LiabilityReport.ExpiryMonth(
                month: try row.decodeIfPresent("month"), lots: try row.decode("lots"), available: try row.decode("available"),
                pending: try row.decode("pending"), availableValue: try row.decode("available_value"),
                pendingValue: try row.decode("pending_value"))
        }
        let totals = segments.reduce(
            LiabilityReport.Figures(
                segment: nil, customers: 0, available: 0, pending: 0, held: 0, negative: 0, availableValue: 0, pendingValue: 0,
                heldValue: 0)
        ) { sum, row in
            LiabilityReport.Figures(
                segment: nil, customers: sum.customers + row.customers, available: sum.available + row.available,
                pending: sum.pending + row.pending, held: sum.held + row.held, negative: sum.negative + row.negative,
                availableValue: sum.availableValue + row.availableValue, pendingValue: sum.pendingValue + row.pendingValue,
                heldValue: sum.heldValue + row.heldValue)
        }
        return LiabilityReport(
            programme: programme, currency: try settings.decode("currency"), pointValue: try settings.decode("point_value"),
            asOf: asOf, totals: totals, segments: segments, expiry: expiry)
    }
}
