package import FoundationEssentials
import PuntosCore
import PuntosRuntime

/// A member's tier as `balance` answers it: the tier held and since when, what the member has
/// qualified by in the window now counting, and what the next tier still needs, by when.
package struct TierStatus: Codable, Sendable, Equatable {
    /// The tier held (null: none yet).
    package var tier: String?
    package var name: String?
    /// What the tier multiplies accrual by (1 without a tier).
    package var multiplier: Decimal
    package var since: Date?
    /// points or spend.
    package var basis: String
    /// Earned (or spent) in the window now counting.
    package var qualifying: Decimal
    package var windowFrom: Date
    package var windowUntil: Date
    package var next: Next?

    package struct Next: Codable, Sendable, Equatable {
        package var tier: String
        package var name: String
        package var threshold: Decimal
        /// Still to earn (or spend) to reach it.
        package var needed: Decimal
        /// By when: the end of the calendar year; null for a rolling window.
        package var by: Date?
    }

    enum CodingKeys: String, CodingKey {
        case tier, name, multiplier, since, basis, qualifying, next
        case windowFrom = "window_from", windowUntil = "window_until"
    }
}

extension LedgerStore {
    /// The member's tier status; nil when the programme has no tiers.
    package func tierStatus(customerId: Int64) throws -> TierStatus? {
        guard let scheme = try tiers.scheme() else { return nil }
        let state = try tiers.state(customerId: customerId)
        let held = scheme.rank(state?.code)
        let tier = scheme.tier(held)
        let window = TierPolicy.current(scheme, at: now)
        let total = try tiers.qualifying(customerId: customerId, scheme.basis, window)
        let next = TierPolicy.next(scheme, current: held, qualifying: total, now: now).map {
            TierStatus.Next(tier: $0.tier.code, name: $0.tier.name, threshold: $0.tier.threshold, needed: $0.needed, by: $0.by)
        }
        return TierStatus(
            tier: tier?.code, name: tier?.name, multiplier: tier?.multiplier ?? 1, since: tier == nil ? nil : state?.since,
            basis: scheme.basis.rawValue, qualifying: total, windowFrom: window.from, windowUntil: window.until, next: next)
    }
}
