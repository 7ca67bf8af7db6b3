package import FoundationEssentials
import PuntosCore
package import PuntosPostgres
import PuntosRuntime

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
    /// One row per customer segment (`segment` null: customers without one). Not split by tier (yet).
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
        try Validate.notInFuture(asOf, field: "as_of", now: context.now)
        let report = try context.database.withTransaction(isolation: .repeatableRead) { connection in
            try LiabilityReport.read(programme, asOf: asOf, connection)
        }
        return BalanceResult(liability: report)
    }
}

extension LiabilityReport {
    /// Reads the report of one programme; an unknown programme is `programme_not_found`.
    package static func read(_ programme: String, asOf: Date, _ connection: PostgresConnection) throws -> LiabilityReport {
        try LiabilityStore(connection: connection).report(programme, asOf: asOf)
    }
}
