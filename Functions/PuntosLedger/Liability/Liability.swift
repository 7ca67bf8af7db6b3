package import FoundationEssentials
import PuntosCore
package import PuntosPostgres
package import PuntosRuntime

/// `balance` kind `liability`: an administrator's read of what a programme's unspent points are worth,
/// as of a moment (now without one). The figures come from `puntos_bi.points_liability_at` and
/// `puntos_bi.points_expiry_at` (migrations/0100), which sum the append-only ledger, so they equal
/// the sum of the entries up to that moment; `puntos report liability` reads the same functions.
package struct LiabilityEvent: Codable, Sendable, Equatable {
    package var kind = "liability"
    package var programme: String?
    /// The moment the report is about: every entry at or before it counts. Not in the future.
    package var asOf: Date?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, programme, asOf = "as_of"
    }
}

/// The liability of one programme: totals, per segment, and per expiry month.
package struct LiabilityReport: Codable, Sendable, Equatable {
    package var programme: String
    package var currency: String
    package var pointValue: Decimal
    package var asOf: Date
    package var totals: Figures
    /// One row per customer segment (`segment` null: customers without one). Puntos has no tiers yet.
    package var segments: [Figures]
    /// Points left in lots per expiry month (`month` null: points that never expire); held points are in no lot.
    package var expiry: [ExpiryMonth]

    package struct Figures: Codable, Sendable, Equatable {
        package var segment: String?
        package var customers: Int64
        package var available: Int64
        package var pending: Int64
        package var held: Int64
        /// Points owed by customers whose balance is below zero (a positive number); `available` is net of it.
        package var negative: Int64
        package var availableValue: Decimal
        package var pendingValue: Decimal
        package var heldValue: Decimal

        enum CodingKeys: String, CodingKey {
            case segment, customers, available, pending, held, negative
            case availableValue = "available_value", pendingValue = "pending_value", heldValue = "held_value"
        }
    }

    package struct ExpiryMonth: Codable, Sendable, Equatable {
        /// `YYYY-MM` (UTC), or null for points without an expiry.
        package var month: String?
        package var lots: Int64
        package var available: Int64
        package var pending: Int64
        package var availableValue: Decimal
        package var pendingValue: Decimal

        enum CodingKeys: String, CodingKey {
            case month, lots, available, pending
            case availableValue = "available_value", pendingValue = "pending_value"
        }
    }

    enum CodingKeys: String, CodingKey {
        case programme, currency, totals, segments, expiry
        case pointValue = "point_value", asOf = "as_of"
    }
}

extension Balance {
    func liability(_ event: LiabilityEvent, _ context: FunctionContext) throws -> BalanceResult {
        let programme = try Validate.programme(event.programme)
        let asOf = event.asOf ?? context.now
        guard asOf <= context.now.addingTimeInterval(300) else {
            throw FunctionError.badInput(.invalidValue, field: "as_of", "as_of must not be in the future")
        }
        let report = try context.database.withTransaction(isolation: .repeatableRead) { connection in
            try LiabilityReport.read(programme, asOf: asOf, connection)
        }
        return BalanceResult(liability: report)
    }
}

extension LiabilityReport {
    /// Reads the report of one programme; an unknown programme is `programme_not_found`.
    package static func read(_ programme: String, asOf: Date, _ connection: PostgresConnection) throws -> LiabilityReport {
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
            Figures(
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
            ExpiryMonth(
                month: try row.decodeIfPresent("month"), lots: try row.decode("lots"), available: try row.decode("available"),
                pending: try row.decode("pending"), availableValue: try row.decode("available_value"),
                pendingValue: try row.decode("pending_value"))
        }
        let totals = segments.reduce(
            Figures(
                segment: nil, customers: 0, available: 0, pending: 0, held: 0, negative: 0, availableValue: 0, pendingValue: 0,
                heldValue: 0)
        ) { sum, row in
            Figures(
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
