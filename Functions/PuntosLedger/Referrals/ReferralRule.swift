package import FoundationEssentials

/// What a referral earns (`referral_rules`, versioned): points for the referrer and the referred
/// customer once the referred customer's first purchase of at least `minPurchase` is past its return
/// window; at most `capPerReferrer` referrals credited per referrer.
package struct ReferralRule: Codable, Sendable, Equatable {
    package var version: Int
    package var referrerPoints: Int64
    package var referredPoints: Int64
    package var minPurchase: Decimal
    package var capPerReferrer: Int
    /// Off: pending referrals wait, and nothing is credited.
    package var active: Bool

    package init(
        version: Int, referrerPoints: Int64, referredPoints: Int64, minPurchase: Decimal, capPerReferrer: Int, active: Bool
    ) {
        self.version = version
        self.referrerPoints = referrerPoints
        self.referredPoints = referredPoints
        self.minPurchase = minPurchase
        self.capPerReferrer = capPerReferrer
        self.active = active
    }

    enum CodingKeys: String, CodingKey {
        case version, active, referrerPoints = "referrer_points", referredPoints = "referred_points",
            minPurchase = "min_purchase", capPerReferrer = "cap_per_referrer"
    }

    /// The same rule (whatever the version).
    package func sameRule(as other: ReferralRule) -> Bool {
        var other = other
        other.version = version
        return self == other
    }
}
