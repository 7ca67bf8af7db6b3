import Foundation
import PuntosLedger
import Testing

/// The tier decisions that need no database: which tier a total reaches, where a downgrade goes by
/// each policy, when a period ends, and what a review decides.
@Suite struct TierPolicyTests {
    static func scheme(_ downgrade: TierDowngrade, rolling months: Int? = nil, grace: Int? = nil) -> TierScheme {
        TierScheme(
            version: 1, basis: .points, qualification: months == nil ? .calendarYear : .rollingMonths, windowMonths: months,
            downgrade: downgrade, graceDays: grace,
            tiers: [
                Tier(code: "silver", name: "Silver", threshold: 1000, multiplier: 1),
                Tier(code: "gold", name: "Gold", threshold: 2000, multiplier: Decimal(string: "1.5")!),
                Tier(code: "platinum", name: "Platinum", threshold: 5000, multiplier: 2),
            ])
    }

    static func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    @Test func aTotalReachesTheHighestTierAtOrBelowIt() {
        let s = Self.scheme(.recompute)
        #expect(s.qualified(999) == -1)
        #expect(s.qualified(1000) == 0)
        #expect(s.qualified(4999) == 1)
        #expect(s.qualified(5000) == 2)
        #expect(s.rank("gold") == 1)
        #expect(s.rank("bronze") == -1)
        #expect(s.rank(nil) == -1)
    }

    /// The period ends a replay reviews at, one after another: each 1 January; every N months from the
    /// member's last change; decided once the grace of `after_x_days` is over.
    @Test func theNextReviewIsTheFirstPeriodEndAfterTheLastOneReviewed() {
        let calendar = Self.scheme(.recompute)
        let since = Self.date("2023-03-10T12:00:00Z")
        #expect(
            TierPolicy.nextReview(calendar, since: since, after: since) == (
                Self.date("2024-01-01T00:00:00Z"), Self.date("2024-01-01T00:00:00Z")
            ))
        #expect(
            TierPolicy.nextReview(calendar, since: since, after: Self.date("2024-01-01T00:00:00Z")).boundary
                == Self.date("2025-01-01T00:00:00Z"))
        let rolling = Self.scheme(.afterXDays, rolling: 12, grace: 30)
        let first = TierPolicy.nextReview(rolling, since: since, after: since)
        #expect(first.boundary == Self.date("2024-03-10T12:00:00Z"))
        #expect(first.decidedAt == Self.date("2024-04-09T12:00:00Z"))
        #expect(TierPolicy.nextReview(rolling, since: since, after: first.boundary).boundary == Self.date("2025-03-10T12:00:00Z"))
        #expect(
            TierPolicy.nextReview(rolling, since: since, after: Self.date("2026-01-01T00:00:00Z")).boundary
                == Self.date("2026-03-10T12:00:00Z"))
    }

    @Test func eachPolicyGoesDownItsOwnWay() {
        #expect(Self.scheme(.oneDown).downgradeTarget(current: 2, qualified: -1) == 1)
        #expect(Self.scheme(.recompute).downgradeTarget(current: 2, qualified: -1) == -1)
        #expect(Self.scheme(.recompute).downgradeTarget(current: 2, qualified: 0) == 0)
        #expect(Self.scheme(.afterXDays, grace: 30).downgradeTarget(current: 2, qualified: 0) == 0)
        // Never up: a member who still qualifies stays.
        #expect(Self.scheme(.oneDown).downgradeTarget(current: 1, qualified: 2) == 1)
    }

    @Test func periodsEndEachNewYearOrEveryNMonthsFromTheChange() {
        let year = Self.scheme(.recompute)
        let since = Self.date("2026-03-10T10:00:00Z")
        #expect(TierPolicy.lastBoundary(year, since: since, now: Self.date("2026-12-31T23:00:00Z")) == nil)
        #expect(
            TierPolicy.lastBoundary(year, since: since, now: Self.date("2028-02-01T00:00:00Z"))
                == Self.date("2028-01-01T00:00:00Z"))
        let rolling = Self.scheme(.recompute, rolling: 6)
        #expect(TierPolicy.lastBoundary(rolling, since: since, now: Self.date("2026-09-09T10:00:00Z")) == nil)
        #expect(
            TierPolicy.lastBoundary(rolling, since: since, now: Self.date("2027-04-01T00:00:00Z"))
                == Self.date("2027-03-10T10:00:00Z"))
    }

    @Test func aReviewUnderGraceCountsWhatWasEarnedInIt() throws {
        let s = Self.scheme(.afterXDays, grace: 30)
        let state = TierState(code: "platinum", since: Self.date("2026-05-01T00:00:00Z"), direction: "upgrade")
        let graceEnds = Self.date("2028-01-31T00:00:00Z")
        // Nothing in 2027; 2400 in January 2028.
        let measure: (TierWindow) -> Decimal = { $0.until >= Self.date("2028-01-15T00:00:00Z") ? 2400 : 0 }
        #expect(
            try TierPolicy.review(s, state, now: Self.date("2028-01-20T00:00:00Z"), measure: measure, lastReturn: { _ in nil })
                == nil)
        let decided = try TierPolicy.review(s, state, now: graceEnds, measure: measure, lastReturn: { _ in nil })
        #expect(decided?.to == 1)
        #expect(decided?.reason == .graceEnded)
        #expect(decided?.qualifying == 2400)
    }

    @Test func theCrossingAccrualUpgradesAfterItEarned() throws {
        let s = Self.scheme(.recompute)
        let silver = TierState(code: "silver", since: Date(), direction: "upgrade")
        #expect(try TierPolicy.upgrade(s, silver, now: Date(), measure: { _ in 1999 }) == nil)
        #expect(try TierPolicy.upgrade(s, silver, now: Date(), measure: { _ in 2200 })?.to == 1)
        #expect(try TierPolicy.upgrade(s, nil, now: Date(), measure: { _ in 6000 })?.to == 2)
    }
}
