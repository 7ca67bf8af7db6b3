package import FoundationEssentials

/// What `organisations` answers: one shape per kind, encoded as that shape.
package enum OrganisationsResult: Encodable, Sendable, Equatable {
    case organisation(OrganisationView)
    case member(MemberView)
    case statistics(StatisticsResult)

    package func encode(to encoder: any Encoder) throws {
        switch self {
        case .organisation(let value): try value.encode(to: encoder)
        case .member(let value): try value.encode(to: encoder)
        case .statistics(let value): try value.encode(to: encoder)
        }
    }

    package var organisation: OrganisationView? { if case .organisation(let value) = self { value } else { nil } }
    package var member: MemberView? { if case .member(let value) = self { value } else { nil } }
    package var statistics: StatisticsResult? { if case .statistics(let value) = self { value } else { nil } }
}

/// An organisation as now defined.
package struct OrganisationView: Codable, Sendable, Equatable {
    package var organisation: String
    package var name: String
    package var type: OrganisationType
    package var points: OrganisationPoints
    package var moderated: Bool
    /// The pool's own card (blocked: members spend with theirs); its statement is the pool's history.
    package var poolCardNumber: String?

    enum CodingKeys: String, CodingKey {
        case organisation, name, type, points, moderated, poolCardNumber = "pool_card_number"
    }
}

/// A customer's membership of an organisation.
package struct MemberView: Codable, Sendable, Equatable {
    package var organisation: String
    package var cardNumber: String?
    package var externalId: String?
    package var role: String
    /// pending, approved or rejected.
    package var status: String
    package var requestedAt: Date
    package var decidedAt: Date?
    package var reason: String?

    enum CodingKeys: String, CodingKey {
        case organisation, role, status, reason, cardNumber = "card_number", externalId = "external_id",
            requestedAt = "requested_at", decidedAt = "decided_at"
    }
}

/// An organisation's figures over a span of days, by member and period, with their totals.
package struct StatisticsResult: Codable, Sendable, Equatable {
    package var organisation: String
    package var points: OrganisationPoints
    package var currency: String
    package var from: String
    package var to: String
    package var period: String
    /// One row per member and period with something in it, by period then member.
    package var rows: [StatisticsRow]
    package var totals: StatisticsFigures
}

/// A member's figures in one period (`period` the period's first day).
package struct StatisticsRow: Codable, Sendable, Equatable {
    package var period: String
    /// The member's current card and external id; the pool's card for what no member did (an adjustment).
    package var cardNumber: String?
    package var externalId: String?
    package var sales: Decimal
    package var pointsEarned: Int64
    package var pointsSpent: Int64

    enum CodingKeys: String, CodingKey {
        case period, sales, cardNumber = "card_number", externalId = "external_id", pointsEarned = "points_earned",
            pointsSpent = "points_spent"
    }
}

/// Sums: sales (invoiced amounts, net of returned lines), points earned (net of returns), points spent
/// (net of cancelled orders' points given back).
package struct StatisticsFigures: Codable, Sendable, Equatable {
    package var sales: Decimal
    package var pointsEarned: Int64
    package var pointsSpent: Int64

    package init(sales: Decimal, pointsEarned: Int64, pointsSpent: Int64) {
        self.sales = sales
        self.pointsEarned = pointsEarned
        self.pointsSpent = pointsSpent
    }

    enum CodingKeys: String, CodingKey {
        case sales, pointsEarned = "points_earned", pointsSpent = "points_spent"
    }
}
