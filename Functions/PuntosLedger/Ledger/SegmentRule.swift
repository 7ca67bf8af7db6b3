package import FoundationEssentials

/// A customer segment's own rules over the programme's (SimpleWine: restaurants and wine shops):
/// each one set replaces the programme's for the segment's customers; nil is the programme's.
package struct SegmentRule: Codable, Sendable, Equatable {
    package var segment: String
    /// The segment's version in force (1, 2, ...): every change is a new one (`segment_rules`).
    package var version: Int
    package var pointValue: Decimal?
    package var minRedemption: Int64?
    package var maxOrderShare: Decimal?
    /// The codes of the promotions the segment is offered; nil: every promotion.
    package var promotions: [String]?

    package init(
        segment: String, version: Int, pointValue: Decimal? = nil, minRedemption: Int64? = nil,
        maxOrderShare: Decimal? = nil, promotions: [String]? = nil
    ) {
        self.segment = segment
        self.version = version
        self.pointValue = pointValue
        self.minRedemption = minRedemption
        self.maxOrderShare = maxOrderShare
        self.promotions = promotions
    }

    enum CodingKeys: String, CodingKey {
        case segment, version, promotions, pointValue = "point_value", minRedemption = "min_redemption",
            maxOrderShare = "max_order_share"
    }

    /// The same rules (whatever the version).
    package func sameRules(as other: SegmentRule) -> Bool {
        var other = other
        other.version = version
        return self == other
    }
}

extension LedgerSettings {
    /// The rules for a customer in `segment`: the programme's, with the segment's own where it has
    /// them. The one place segment rules are resolved: accrue, the forecast, redeem and the balance's
    /// money value all take their rules from here.
    package func forSegment(_ segment: String?) -> LedgerSettings {
        guard let segment, let rule = segmentRules[segment] else { return self }
        var resolved = self
        if let v = rule.pointValue { resolved.policy.pointValue = v }
        if let v = rule.minRedemption { resolved.policy.minimum = v }
        if let v = rule.maxOrderShare { resolved.policy.maxOrderShare = v }
        resolved.offeredPromotions = rule.promotions.map(Set.init)
        return resolved
    }

    /// Whether the promotion `code` is offered under these rules (every one unless a segment says).
    package func offers(promotion code: String) -> Bool { offeredPromotions?.contains(code) ?? true }
}
