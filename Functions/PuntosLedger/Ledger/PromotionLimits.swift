package import FoundationEssentials
import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// What is left of a limited promotion for one accrual: of its budget (the extra points it may still
/// give in all) and of the customer's cap in the current period; nil where it has none.
package struct PromotionAllowance: Sendable, Equatable {
    package var budgetLeft: Int64?
    package var capLeft: Int64?

    package init(budgetLeft: Int64?, capLeft: Int64?) {
        self.budgetLeft = budgetLeft
        self.capLeft = capLeft
    }

    /// The most extra points the promotion may give now, and which limit says so.
    var left: (points: Int64, limit: String) {
        switch (budgetLeft, capLeft) {
        case (let budget?, let cap?): cap < budget ? (max(cap, 0), "cap_reached") : (max(budget, 0), "budget_exhausted")
        case (let budget?, nil): (max(budget, 0), "budget_exhausted")
        case (nil, let cap?): (max(cap, 0), "cap_reached")
        case (nil, nil): (.max, "")
        }
    }
}

/// What one limited promotion gave an accrual: the extra points it would have given, those it gave,
/// and, when fewer, the limit that stopped it. Recorded on the accrual entry's rule (`limits`).
package struct PromotionGrant: Codable, Sendable, Equatable {
    package var promotion: String
    package var extra: Int64
    package var granted: Int64
    /// `budget_exhausted` or `cap_reached` when `granted < extra`.
    package var limitedBy: String?

    package init(promotion: String, extra: Int64, granted: Int64, limitedBy: String?) {
        self.promotion = promotion
        self.extra = extra
        self.granted = granted
        self.limitedBy = limitedBy
    }

    enum CodingKeys: String, CodingKey { case promotion, extra, granted, limitedBy = "limited_by" }

    /// The accrual rule with the grants added as `limits` (the rule unchanged without grants).
    package static func rule(_ rule: JSONText, _ grants: [PromotionGrant]) throws -> JSONText {
        guard !grants.isEmpty,
            case .object(var object) = try JSONCoding.decoder().decode(JSONValue.self, from: Data(rule.text.utf8))
        else { return rule }
        object["limits"] = try JSONCoding.decoder().decode(JSONValue.self, from: JSONCoding.encode(grants))
        return JSONText(String(decoding: try JSONCoding.encode(JSONValue.object(object)), as: UTF8.self))
    }
}

extension EarningRules {
    /// What the lines earn when the promotions in `allowances` may give only what their budgets and
    /// caps leave. In code order, a limited promotion's extra points are what the invoice earns with it
    /// less what it earns without it; given in full it stays, else it is taken out of the rules and
    /// gives only what is left, added to the first line it applied to. So an invoice never earns less
    /// than without the limited promotions, nor a promotion gives more than its allowance.
    package func earn(
        _ lines: [InvoiceLine], segment: String?, channels: [String], within allowances: [String: PromotionAllowance]
    ) -> (earning: InvoiceEarning, grants: [PromotionGrant]) {
        let full = earn(lines, segment: segment, channels: channels)
        let applied = Set(full.lines.flatMap(\.promotions))
        var rules = self
        var grants: [PromotionGrant] = []
        var partial: [(code: String, points: Int64)] = []
        for code in allowances.keys.sorted() where applied.contains(code) {
            var without = rules
            without.promotions.removeAll { $0.code == code }
            let extra = max(
                0,
                rules.earn(lines, segment: segment, channels: channels).points
                    - without.earn(lines, segment: segment, channels: channels).points)
            let left = allowances[code]!.left
            let granted = min(extra, left.points)
            grants.append(
                PromotionGrant(promotion: code, extra: extra, granted: granted, limitedBy: granted < extra ? left.limit : nil))
            if granted < extra {
                rules = without
                partial.append((code, granted))
            }
        }
        guard !partial.isEmpty else { return (full, grants) }
        var earning = rules.earn(lines, segment: segment, channels: channels)
        for (code, points) in partial where points > 0 {
            guard let index = full.lines.firstIndex(where: { $0.promotions.contains(code) }) else { continue }
            earning.lines[index].points += points
            earning.lines[index].promotions.append(code)
            earning.points += points
        }
        return (earning, grants)
    }
}

/// The `promotion_limits` and `promotion_grants` of one programme.
package struct PromotionLimitStore {
    package let connection: PostgresConnection
    package let programmeId: String
    package let now: Date

    /// Holds the invoice's earning to the limits of the promotions it applies (locking their limit
    /// rows, in code order, until the transaction ends), takes what they give from their budgets and
    /// records it for the customer's caps. Answers the grants, for the entry's rule.
    package func take(
        _ earning: inout InvoiceEarning, rules: EarningRules, lines: [InvoiceLine], segment: String?, channels: [String],
        customerId: Int64, invoiceNumber: String
    ) throws -> [PromotionGrant] {
        let applied = Array(Set(earning.lines.flatMap(\.promotions))).sorted()
        guard !applied.isEmpty else { return [] }
        var ids: [String: Int64] = [:]
        var allowances: [String: PromotionAllowance] = [:]
        for row in try connection.query(
            """
            SELECT p.id, p.code, l.budget_points - l.given_points AS budget_left, l.cap_points - (
                       SELECT coalesce(sum(g.granted), 0) FROM promotion_grants g
                       WHERE g.promotion_id = p.id AND g.customer_id = \(customerId)
                         AND g.at >= CASE WHEN l.cap_period IN ('day', 'week', 'month')
                                          THEN date_trunc(l.cap_period, \(now)::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                                          ELSE '-infinity'::timestamptz END)::bigint AS cap_left
            FROM promotions p JOIN promotion_limits l ON l.promotion_id = p.id
            WHERE p.programme_id = \(programmeId) AND p.code = ANY(\(applied)::text[])
            ORDER BY p.code FOR UPDATE OF l
            """)
        {
            let code: String = try row.decode("code")
            ids[code] = try row.decode("id")
            allowances[code] = PromotionAllowance(
                budgetLeft: try row.decodeIfPresent("budget_left"), capLeft: try row.decodeIfPresent("cap_left"))
        }
        guard !allowances.isEmpty else { return [] }
        let limited = rules.earn(lines, segment: segment, channels: channels, within: allowances)
        earning = limited.earning
        for grant in limited.grants {
            try connection.query(
                """
                WITH taken AS (
                    UPDATE promotion_limits SET given_points = given_points + \(grant.granted)
                    WHERE promotion_id = \(ids[grant.promotion]!) RETURNING promotion_id)
                INSERT INTO promotion_grants (promotion_id, customer_id, invoice_number, asked, granted, at)
                SELECT promotion_id, \(customerId), \(invoiceNumber), \(grant.extra), \(grant.granted), \(now) FROM taken
                """)
        }
        return limited.grants
    }

    /// Sets a new promotion's limits (none given: nothing written).
    package func insert(promotionCode code: String, budget: Int64?, cap: Int64?, period: String?) throws {
        guard budget != nil || cap != nil else { return }
        try connection.query(
            """
            INSERT INTO promotion_limits (promotion_id, budget_points, cap_points, cap_period)
            SELECT id, \(budget), \(cap), \(cap == nil ? nil : period ?? "campaign") FROM promotions
            WHERE programme_id = \(programmeId) AND code = \(code)
            """)
    }
}

extension LedgerStore {
    package var promotionLimits: PromotionLimitStore {
        PromotionLimitStore(connection: connection, programmeId: programmeId, now: now)
    }
}
