import Foundation
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRuntime

/// A limited promotion as a batch finds it under its lock (`promotion_limits`, migration 0191): what is
/// left of its budget, and its cap per customer and period.
struct ImportPromotionLimit {
    var id: Int64
    var budgetLeft: Int64?
    var cap: Int64?
    /// day, week, month (UTC; weeks from Monday) or campaign.
    var period: String?

    /// The start of the cap's period holding `date` (nil: the whole campaign), as `date_trunc` counts it.
    func periodStart(_ date: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        calendar.firstWeekday = 2
        switch period {
        case "day": return calendar.startOfDay(for: date)
        case "week": return calendar.dateInterval(of: .weekOfYear, for: date)?.start
        case "month": return calendar.dateInterval(of: .month, for: date)?.start
        default: return nil
        }
    }
}

/// One claim on a limited promotion, as `PromotionLimitStore.take` records it: for the customer, the
/// invoice, the extra points asked and given, dated by the invoice.
struct ImportGrant {
    var promotionId: Int64
    var customerId: Int64
    var invoiceNumber: String
    var asked: Int64
    var granted: Int64
    var at: Date
}

/// The promotion limits an import batch draws on: locked once per batch (in promotion code order, after
/// the accounts, the order `accrue` takes them in), decided in Swift, and the batch's grants written
/// in one statement.
struct ImportLimitStore {
    let connection: PostgresConnection
    let programme: String

    /// Whether any of the programme's promotions has a budget, which every customer draws on.
    func hasBudgets() throws -> Bool {
        try connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM promotions p JOIN promotion_limits l ON l.promotion_id = p.id
                           WHERE p.programme_id = \(programme) AND l.budget_points IS NOT NULL) AS budgets
            """
        ).one().decode("budgets")
    }

    /// Locks the programme's limited promotions until the transaction ends; by code (none: empty).
    func lock() throws -> [String: ImportPromotionLimit] {
        var limits: [String: ImportPromotionLimit] = [:]
        for row in try connection.query(
            """
            SELECT p.id, p.code, l.budget_points - l.given_points AS budget_left, l.cap_points, l.cap_period
            FROM promotions p JOIN promotion_limits l ON l.promotion_id = p.id
            WHERE p.programme_id = \(programme)
            ORDER BY p.code FOR UPDATE OF l
            """)
        {
            limits[try row.decode("code")] = ImportPromotionLimit(
                id: try row.decode("id"), budgetLeft: try row.decodeIfPresent("budget_left"),
                cap: try row.decodeIfPresent("cap_points"), period: try row.decodeIfPresent("cap_period"))
        }
        return limits
    }

    /// What the capped promotions (`ids`) gave the customers before: each grant's promotion, customer,
    /// date and points.
    func grants(promotionIds ids: [Int64], customerIds: [Int64]) throws -> [(
        promotionId: Int64, customerId: Int64, at: Date, granted: Int64
    )] {
        guard !ids.isEmpty, !customerIds.isEmpty else { return [] }
        return try connection.query(
            """
            SELECT promotion_id, customer_id, at, granted FROM promotion_grants
            WHERE promotion_id = ANY(\(ids.map { String($0) })::text[]::bigint[])
              AND customer_id = ANY(\(customerIds.map { String($0) })::text[]::bigint[]) AND granted > 0
            """
        ).map { row in
            (
                promotionId: try row.decode("promotion_id"), customerId: try row.decode("customer_id"), at: try row.decode("at"),
                granted: try row.decode("granted")
            )
        }
    }

    /// Records the grants and takes what they gave from their promotions' budgets, in one statement.
    func record(_ grants: [ImportGrant]) throws {
        guard !grants.isEmpty else { return }
        try connection.query(
            """
            WITH g AS (
                SELECT p::bigint AS promotion_id, c::bigint AS customer_id, n AS invoice_number, a::bigint AS asked,
                       x::bigint AS granted, t::timestamptz AS at, o AS ord
                FROM unnest(\(grants.map { String($0.promotionId) })::text[], \(grants.map { String($0.customerId) })::text[],
                            \(grants.map(\.invoiceNumber))::text[], \(grants.map { String($0.asked) })::text[],
                            \(grants.map { String($0.granted) })::text[], \(grants.map { Timestamp.format($0.at) })::text[])
                     WITH ORDINALITY AS u(p, c, n, a, x, t, o)),
            ins AS (
                INSERT INTO promotion_grants (promotion_id, customer_id, invoice_number, asked, granted, at)
                SELECT promotion_id, customer_id, invoice_number, asked, granted, at FROM g ORDER BY ord)
            UPDATE promotion_limits l SET given_points = l.given_points + s.granted
            FROM (SELECT promotion_id, sum(granted) AS granted FROM g GROUP BY promotion_id) s
            WHERE l.promotion_id = s.promotion_id
            """)
    }
}
