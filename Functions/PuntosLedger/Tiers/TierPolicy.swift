package import FoundationEssentials

/// What qualifies a member for a tier: points earned (accruals less returns, never the balance) or
/// money spent (what the member's invoices paid in money, less returns).
package enum TierBasis: String, Codable, Sendable, CaseIterable {
    case points, spend
}

/// The window qualification is counted over: the calendar year (UTC), or the last N months.
package enum TierQualification: String, Codable, Sendable, CaseIterable {
    case calendarYear = "calendar_year"
    case rollingMonths = "rolling_months"
}

/// What a review does to a member who no longer qualifies for the tier held: one tier down, down to
/// the tier qualified for, or the latter after a grace of some days in which the member may requalify.
package enum TierDowngrade: String, Codable, Sendable, CaseIterable {
    case oneDown = "one_down"
    case recompute
    case afterXDays = "after_x_days"
}

/// One tier: reached when the qualifying total is at least `threshold`; its accruals earn
/// `multiplier` times the points (before the programme's rounding).
package struct Tier: Codable, Sendable, Equatable {
    package var code: String
    package var name: String
    package var threshold: Decimal
    package var multiplier: Decimal

    package init(code: String, name: String, threshold: Decimal, multiplier: Decimal) {
        self.code = code
        self.name = name
        self.threshold = threshold
        self.multiplier = multiplier
    }
}

/// The tier an accrual earned at, as the entry's rule records it (`rule.earning.tier`).
package struct AppliedTier: Codable, Sendable, Equatable {
    package var code: String
    package var multiplier: Decimal

    package init(code: String, multiplier: Decimal) {
        self.code = code
        self.multiplier = multiplier
    }
}

/// A version of a programme's tiers (`tier_schemes`), lowest tier first. Ranks: 0 is the lowest
/// tier, -1 no tier.
package struct TierScheme: Codable, Sendable, Equatable {
    package var version: Int
    package var basis: TierBasis
    package var qualification: TierQualification
    package var windowMonths: Int?
    package var downgrade: TierDowngrade
    package var graceDays: Int?
    package var tiers: [Tier]

    package init(
        version: Int, basis: TierBasis, qualification: TierQualification, windowMonths: Int?, downgrade: TierDowngrade,
        graceDays: Int?, tiers: [Tier]
    ) {
        self.version = version
        self.basis = basis
        self.qualification = qualification
        self.windowMonths = windowMonths
        self.downgrade = downgrade
        self.graceDays = graceDays
        self.tiers = tiers
    }

    enum CodingKeys: String, CodingKey {
        case version, basis, downgrade, tiers, qualification = "window", windowMonths = "window_months", graceDays = "grace_days"
    }

    /// The rank of a tier code; -1 for none, or for a code this version no longer has.
    package func rank(_ code: String?) -> Int { code.flatMap { c in tiers.firstIndex { $0.code == c } } ?? -1 }

    /// The highest tier a qualifying total reaches; -1 below the lowest.
    package func qualified(_ total: Decimal) -> Int { tiers.lastIndex { $0.threshold <= total } ?? -1 }

    package func tier(_ rank: Int) -> Tier? { tiers.indices.contains(rank) ? tiers[rank] : nil }

    /// The tier an accrual earns at for a member holding `code` (its multiplier); nil without one.
    package func applied(holding code: String?) -> AppliedTier? {
        tier(rank(code)).map { AppliedTier(code: $0.code, multiplier: $0.multiplier) }
    }

    /// Where a member who held `current` and qualifies for `qualified` goes when a review finds them
    /// short: one tier down (never below what they qualify for), or straight to what they qualify for.
    /// `after_x_days`, once its grace is over, recomputes.
    package func downgradeTarget(current: Int, qualified: Int) -> Int {
        guard qualified < current else { return current }
        return downgrade == .oneDown ? max(qualified, current - 1) : qualified
    }
}

/// A qualification window: every qualifying fact dated from `from` through `until` counts.
package struct TierWindow: Sendable, Equatable {
    package var from: Date
    package var until: Date

    package init(from: Date, until: Date) {
        self.from = from
        self.until = until
    }
}

/// A member's tier as its latest change left it.
package struct TierState: Sendable, Equatable {
    package var code: String?
    package var since: Date
    package var direction: String

    package init(code: String?, since: Date, direction: String) {
        self.code = code
        self.since = since
        self.direction = direction
    }
}

/// A review due at the end of a period: the boundary, the window just ended, and for `after_x_days`
/// when the grace ends and the window that ends with it.
package struct TierReview: Sendable, Equatable {
    package var boundary: Date
    package var window: TierWindow
    package var graceEnds: Date?
    package var graceWindow: TierWindow?
}

/// The tier decisions that need no database: windows, period ends, reviews.
package enum TierPolicy {
    static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar
    }

    static func startOfYear(_ date: Date) -> Date {
        let c = calendar
        return c.date(from: DateComponents(year: c.component(.year, from: date), month: 1, day: 1))!
    }

    static func adding(months: Int, to date: Date) -> Date { calendar.date(byAdding: .month, value: months, to: date)! }

    /// The window counted at `now` for an upgrade and for progress: this calendar year (until its
    /// end: `until` is when the year's total stops counting), or the last N months up to now.
    package static func current(_ scheme: TierScheme, at now: Date) -> TierWindow {
        switch scheme.qualification {
        case .calendarYear:
            let start = startOfYear(now)
            return TierWindow(from: start, until: adding(months: 12, to: start).addingTimeInterval(-0.001))
        case .rollingMonths:
            return TierWindow(from: adding(months: -(scheme.windowMonths ?? 12), to: now), until: now)
        }
    }

    /// The window that ends just before `end` (a period's boundary, or a grace's end).
    static func ending(_ scheme: TierScheme, at end: Date) -> TierWindow {
        let months = scheme.qualification == .calendarYear ? 12 : scheme.windowMonths ?? 12
        return TierWindow(from: adding(months: -months, to: end), until: end.addingTimeInterval(-0.001))
    }

    /// The latest end of a period after `since` (the member's last tier change) and not after `now`,
    /// if there is one: each 1 January (UTC) for the calendar year; every N months from `since` for
    /// a rolling window. A member whose tier changed after the last period ended has no review due.
    package static func lastBoundary(_ scheme: TierScheme, since: Date, now: Date) -> Date? {
        switch scheme.qualification {
        case .calendarYear:
            let boundary = startOfYear(now)
            return boundary > since ? boundary : nil
        case .rollingMonths:
            let step = scheme.windowMonths ?? 12
            let months = calendar.dateComponents([.month], from: since, to: now).month ?? 0
            var periods = months / step
            while periods > 0, adding(months: periods * step, to: since) > now { periods -= 1 }
            return periods > 0 ? adding(months: periods * step, to: since) : nil
        }
    }

    /// The review due at `now` for a member in `state`, or nil (no tier, or no period ended since).
    package static func review(_ scheme: TierScheme, _ state: TierState, now: Date) -> TierReview? {
        guard state.code != nil, let boundary = lastBoundary(scheme, since: state.since, now: now) else { return nil }
        var review = TierReview(boundary: boundary, window: ending(scheme, at: boundary))
        if let ends = graceEnd(scheme, boundary: boundary) {
            review.graceEnds = ends
            review.graceWindow = ending(scheme, at: ends)
        }
        return review
    }

    /// When the grace of `after_x_days` after a period's end is over; nil for the other policies.
    static func graceEnd(_ scheme: TierScheme, boundary: Date) -> Date? {
        guard scheme.downgrade == .afterXDays, let days = scheme.graceDays else { return nil }
        return boundary.addingTimeInterval(Double(days) * 86_400)
    }

    /// The first end of a period after `after` for a member whose tier last changed at `since` (the
    /// ends `lastBoundary` steps through: each 1 January, or every N months from `since`), and when a
    /// sweep running every day decides its review: at that end, or once the grace of `after_x_days` is
    /// over. Replaying history (an import) reviews at each in turn, by `review(_:_:now:measure:lastReturn:)`
    /// at `decidedAt`, as the sweep would have.
    package static func nextReview(_ scheme: TierScheme, since: Date, after: Date) -> (boundary: Date, decidedAt: Date) {
        let boundary: Date
        switch scheme.qualification {
        case .calendarYear:
            boundary = adding(months: 12, to: startOfYear(after))
        case .rollingMonths:
            let step = scheme.windowMonths ?? 12
            var periods = max((calendar.dateComponents([.month], from: since, to: after).month ?? 0) / step, 0)
            while periods > 0, adding(months: periods * step, to: since) > after { periods -= 1 }
            while adding(months: periods * step, to: since) <= after { periods += 1 }
            boundary = adding(months: periods * step, to: since)
        }
        return (boundary, graceEnd(scheme, boundary: boundary) ?? boundary)
    }

    /// Whether a member's tier rests on the window now counting: reached by an upgrade within it, so
    /// that a return taking back points of that window can undo it.
    package static func restsOnCurrentWindow(_ scheme: TierScheme, _ state: TierState, now: Date) -> Bool {
        state.code != nil && state.direction == "upgrade" && state.since >= current(scheme, at: now).from
    }

    /// Progress to the next tier: the tier, what is still needed, and by when (the end of the window
    /// for a calendar year; for a rolling window, nil: every point counts for N months from its date).
    package static func next(_ scheme: TierScheme, current: Int, qualifying: Decimal, now: Date)
        -> (tier: Tier, needed: Decimal, by: Date?)?
    {
        guard let next = scheme.tier(current + 1) else { return nil }
        let by: Date? = scheme.qualification == .calendarYear ? self.current(scheme, at: now).until : nil
        return (next, max(next.threshold - qualifying, 0), by)
    }
}
