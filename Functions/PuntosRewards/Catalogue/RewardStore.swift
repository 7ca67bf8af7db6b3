package import FoundationEssentials
import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// A reward as now on offer: its current version's terms and how many were sold.
package struct CatalogueReward: Sendable, Equatable {
    package var id: Int64
    package var code: String
    package var version: Int
    package var terms: RewardTerms
    package var sold: Int64
}

/// The `rewards` of one programme, their versions and partner codes.
package struct RewardStore {
    package let connection: PostgresConnection
    package let programmeId: String

    /// The reward with `code` and its current terms; an unknown code is refused naming `field`.
    package func current(_ code: String, field: String = "code") throws -> CatalogueReward {
        guard let reward = try find(code, lock: false) else {
            throw FunctionError.notFound(.rewardNotFound, field: field, "there is no reward \"\(code)\"")
        }
        return reward
    }

    private func find(_ code: String, lock: Bool) throws -> CatalogueReward? {
        let rows =
            lock
            ? try connection.query(
                """
                SELECT r.id, r.code, r.current_version,
                       CASE WHEN r.stock_total IS NULL THEN (SELECT count(*) FROM coupons c WHERE c.reward_id = r.id)
                            ELSE r.sold END AS sold, v.name, v.kind, v.amount, v.percent, v.max_discount, v.sku,
                       v.min_order_amount, v.price_points, v.offered_from, v.offered_until, v.valid_days, v.valid_until,
                       v.stock_total, v.per_customer, v.per_customer_period, array_to_string(v.segments, ',') AS segments, v.combinable
                FROM rewards r JOIN reward_versions v ON v.reward_id = r.id AND v.version = r.current_version
                WHERE r.programme_id = \(programmeId) AND r.code = \(code) FOR UPDATE OF r
                """)
            : try connection.query(
                """
                SELECT r.id, r.code, r.current_version,
                       CASE WHEN r.stock_total IS NULL THEN (SELECT count(*) FROM coupons c WHERE c.reward_id = r.id)
                            ELSE r.sold END AS sold, v.name, v.kind, v.amount, v.percent, v.max_discount, v.sku,
                       v.min_order_amount, v.price_points, v.offered_from, v.offered_until, v.valid_days, v.valid_until,
                       v.stock_total, v.per_customer, v.per_customer_period, array_to_string(v.segments, ',') AS segments, v.combinable
                FROM rewards r JOIN reward_versions v ON v.reward_id = r.id AND v.version = r.current_version
                WHERE r.programme_id = \(programmeId) AND r.code = \(code)
                """)
        return try rows.first.map {
            CatalogueReward(
                id: try $0.decode("id"), code: try $0.decode("code"), version: try $0.decode("current_version"),
                terms: try RewardTerms($0), sold: try $0.decode("sold"))
        }
    }

    /// Defines a reward or gives it a new version with `terms`; the same terms as the current
    /// version change nothing. A stock below what was already sold is refused.
    package func define(_ code: String, terms: RewardTerms, source: String, requestId: String) throws -> CatalogueReward {
        try connection.query(
            """
            INSERT INTO rewards (programme_id, code, current_version, stock_total)
            VALUES (\(programmeId), \(code), 1, \(terms.stockTotal)) ON CONFLICT (programme_id, code) DO NOTHING
            """)
        let existing = try find(code, lock: true)
        if let existing, existing.terms == terms { return existing }
        let rewardId: Int64 = try connection.query(
            "SELECT id FROM rewards WHERE programme_id = \(programmeId) AND code = \(code) FOR UPDATE"
        ).one().decode("id")
        let sold = existing?.sold ?? 0
        if let total = terms.stockTotal, total < sold {
            throw FunctionError.badInput(
                .invalidValue, field: "stock_total", "stock_total must be at least the \(sold) already sold")
        }
        let version = (existing?.version ?? 0) + 1
        try connection.query(
            """
            INSERT INTO reward_versions (reward_id, version, name, kind, amount, percent, max_discount, sku, min_order_amount,
                price_points, offered_from, offered_until, valid_days, valid_until, stock_total, per_customer, per_customer_period,
                segments, combinable, source, request_id)
            VALUES (\(rewardId), \(version), \(terms.name), \(terms.type), \(terms.amount), \(terms.percent), \(terms.maxDiscount),
                    \(terms.sku), \(terms.minOrderAmount), \(terms.pricePoints), \(terms.offeredFrom), \(terms.offeredUntil),
                    \(terms.validDays), \(terms.validUntil), \(terms.stockTotal), \(terms.perCustomer), \(terms.perCustomerPeriod ?? .campaign), \(terms.segments),
                    \(terms.combinable), \(source), \(requestId))
            """)
        // The count is exact: purchases in flight hold the row (FOR SHARE or their UPDATE) until they commit.
        try connection.query(
            """
            UPDATE rewards SET current_version = \(version), stock_total = \(terms.stockTotal),
                               sold = (SELECT count(*) FROM coupons WHERE reward_id = \(rewardId))
            WHERE id = \(rewardId)
            """)
        return CatalogueReward(id: rewardId, code: code, version: version, terms: terms, sold: sold)
    }

    /// Takes one unit of stock, atomically: false when none is left. Two buyers of the last unit
    /// both reach this UPDATE; the second waits for the first's row lock and then finds the stock gone.
    /// Unlimited stock counts nothing here (its `sold` is the count of coupons), so buyers do not
    /// queue on one row: they only share its lock, which keeps a new version from changing the stock
    /// under a purchase in flight.
    package func takeUnit(_ reward: CatalogueReward) throws -> Bool {
        let rewardId = reward.id
        // Still unlimited once the lock is held (a new version may have set a stock meanwhile: then counted below).
        if reward.terms.stockTotal == nil,
            try !connection.query("SELECT id FROM rewards WHERE id = \(rewardId) AND stock_total IS NULL FOR SHARE").isEmpty
        {
            return true
        }
        return try !connection.query(
            """
            UPDATE rewards SET sold = sold + 1
            WHERE id = \(rewardId) AND (stock_total IS NULL OR sold < stock_total) RETURNING sold
            """
        ).isEmpty
    }

    /// Adds partner codes to a reward; how many were new.
    package func addCodes(rewardId: Int64, _ codes: [String]) throws -> Int {
        try connection.query(
            """
            INSERT INTO reward_codes (reward_id, code) SELECT \(rewardId), c FROM unnest(\(codes)::text[]) AS t(c)
            ON CONFLICT (reward_id, code) DO NOTHING RETURNING id
            """
        ).count
    }

    /// Partner codes of a reward not yet given to a coupon.
    package func freeCodes(rewardId: Int64) throws -> Int64 {
        try connection.query("SELECT count(*) AS n FROM reward_codes WHERE reward_id = \(rewardId) AND coupon_id IS NULL")
            .one().decode("n")
    }

    /// Claims a free partner code for a coupon (skipping codes another purchase is claiming); nil when none is left.
    package func claimCode(rewardId: Int64) throws -> (id: Int64, code: String)? {
        try connection.query(
            """
            SELECT id, code FROM reward_codes WHERE reward_id = \(rewardId) AND coupon_id IS NULL
            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
            """
        ).first.map { (try $0.decode("id"), try $0.decode("code")) }
    }

    /// Gives a claimed partner code to its coupon.
    package func assignCode(_ id: Int64, couponId: Int64) throws {
        try connection.query("UPDATE reward_codes SET coupon_id = \(couponId) WHERE id = \(id)")
    }
}
