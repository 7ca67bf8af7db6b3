package import FoundationEssentials

/// What happens to a member's tier, decided from the scheme, the member's state and what it has
/// qualified by (`measure` sums a window; `lastReturn` says when a return last took points back).
/// The store reads; these decide; `LedgerStore+Tiers` and `TierSweep` record.
extension TierPolicy {
    /// After an accrual: the tier the member now qualifies for when above the one held. The accrual
    /// that crosses the threshold has already earned at the tier held; the next ones earn at the new.
    package static func upgrade(
        _ scheme: TierScheme, _ state: TierState?, now: Date, measure: (TierWindow) throws -> Decimal
    ) throws -> (to: Int, qualifying: Decimal)? {
        let held = scheme.rank(state?.code)
        let total = try measure(current(scheme, at: now))
        let qualified = scheme.qualified(total)
        return qualified > held ? (qualified, total) : nil
    }

    /// After a return: when the tier rests on this window's points and the return left the member
    /// short, `one_down` and `recompute` move the member down at once; `after_x_days` waits for its
    /// grace (the sweep, `review`).
    package static func afterReturn(
        _ scheme: TierScheme, _ state: TierState?, now: Date, measure: (TierWindow) throws -> Decimal
    ) throws -> (to: Int, qualifying: Decimal)? {
        guard let state, scheme.downgrade != .afterXDays, restsOnCurrentWindow(scheme, state, now: now) else { return nil }
        let held = scheme.rank(state.code)
        let total = try measure(current(scheme, at: now))
        let target = scheme.downgradeTarget(current: held, qualified: scheme.qualified(total))
        return target < held ? (target, total) : nil
    }

    /// The sweep's decision for one member at `now`: a review at the end of a period (by the
    /// scheme's policy; `after_x_days` once its grace is over, counting what was earned in the grace),
    /// or, under `after_x_days`, a return's shortfall once the grace from the return is over.
    package static func review(
        _ scheme: TierScheme, _ state: TierState, now: Date, measure: (TierWindow) throws -> Decimal,
        lastReturn: (Date) throws -> Date?
    ) throws -> (to: Int, reason: TierChangeReason, qualifying: Decimal)? {
        let held = scheme.rank(state.code)
        guard held >= 0 else { return nil }
        if let due = review(scheme, state, now: now) {
            let total = try measure(due.window)
            if scheme.qualified(total) < held {
                guard let graceEnds = due.graceEnds, let graceWindow = due.graceWindow else {
                    return (scheme.downgradeTarget(current: held, qualified: scheme.qualified(total)), .periodEnd, total)
                }
                guard now >= graceEnds else { return nil }
                let best = max(total, try measure(graceWindow))
                let target = scheme.downgradeTarget(current: held, qualified: scheme.qualified(best))
                return target < held ? (target, .graceEnded, best) : nil
            }
        }
        guard scheme.downgrade == .afterXDays, let days = scheme.graceDays, restsOnCurrentWindow(scheme, state, now: now)
        else { return nil }
        let window = current(scheme, at: now)
        let total = try measure(window)
        let target = scheme.downgradeTarget(current: held, qualified: scheme.qualified(total))
        guard target < held, let returned = try lastReturn(window.from),
            returned.addingTimeInterval(Double(days) * 86_400) <= now
        else { return nil }
        return (target, .return, total)
    }
}
