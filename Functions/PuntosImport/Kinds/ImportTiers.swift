import Foundation
import PuntosLedger

/// A batch's account of its customers' tiers, for a programme with tiers: each customer's tier history
/// (recorded before, and the upgrades and reviews the batch brings), and what the batch's accrued
/// invoices add to their qualifying totals, so that each invoice, in date order, earns at the tier held
/// on its date, after the period-end reviews the sweep would have made before it, and brings the upgrade
/// `accrue` would record then.
struct ImportTiers {
    let scheme: TierScheme
    private let store: TierStore
    private var states: [Int64: [TierState]]
    private var earned: [Int64: [(date: Date, amount: Decimal)]] = [:]
    /// The latest period end each customer was reviewed at in this batch.
    private var reviewed: [Int64: Date] = [:]
    /// Each customer's next review, as of its tier's date and the last period end reviewed: worked out
    /// again only when either moves, not for every invoice.
    private var due: [Int64: (since: Date, after: Date, review: (boundary: Date, decidedAt: Date))] = [:]

    init(scheme: TierScheme, store: TierStore, history: ImportTierStore, customers: [Int64]) throws {
        self.scheme = scheme
        self.store = store
        states = try history.changes(customerIds: customers)
    }

    /// The customer's tier on `date`: its latest change by then (by date; of two on one date, the one
    /// recorded or brought last).
    func held(_ customer: Int64, on date: Date) -> TierState? {
        states[customer]?.reduce(nil) { latest, state in
            state.since <= date && state.since >= (latest?.since ?? .distantPast) ? state : latest
        }
    }

    /// What the customer qualified by within `window` as of `date`: what was recorded, and what the
    /// batch's invoices brought, dated in the window up to `date`.
    private func measure(_ customer: Int64, _ window: TierWindow, asOf date: Date) throws -> Decimal {
        let until = min(window.until, date)
        let recorded = try store.qualifying(customerId: customer, scheme.basis, TierWindow(from: window.from, until: until))
        return (earned[customer] ?? []).reduce(recorded) { $1.date >= window.from && $1.date <= until ? $0 + $1.amount : $0 }
    }

    /// Whether a change dated `date` is superseded by one recorded (or brought) later: it counts for
    /// the batch's later invoices but is not recorded, as the member's tier is its latest change's.
    private func superseded(_ customer: Int64, at date: Date) -> Bool {
        states[customer]?.contains { $0.since > date } ?? false
    }

    /// The period-end reviews the daily sweep would have made of the customer before an invoice dated
    /// `date`: at each period end after its latest change whose review is decided by then
    /// (`TierPolicy.nextReview`), the sweep's own decision (`TierPolicy.review`) at that moment,
    /// counting what was recorded and what the batch brought up to it. A downgrade is held from then;
    /// answered with its date to be recorded, unless a later change supersedes it.
    mutating func review(_ customer: Int64, before date: Date) throws -> [(change: TierChange, at: Date)] {
        var changes: [(change: TierChange, at: Date)] = []
        while let state = held(customer, on: date), state.code != nil {
            let after = max(reviewed[customer] ?? state.since, state.since)
            let next: (boundary: Date, decidedAt: Date)
            if let known = due[customer], known.since == state.since, known.after == after {
                next = known.review
            } else {
                next = TierPolicy.nextReview(scheme, since: state.since, after: after)
                due[customer] = (state.since, after, next)
            }
            guard next.decidedAt <= date else { break }
            reviewed[customer] = next.boundary
            let (scheme, store, at) = (scheme, store, next.decidedAt)
            guard
                let down = try TierPolicy.review(
                    scheme, state, now: at, measure: { try measure(customer, $0, asOf: at) },
                    lastReturn: { try store.lastReturn(customerId: customer, since: $0) })
            else { continue }
            let hidden = superseded(customer, at: at)
            states[customer, default: []].append(TierState(code: scheme.tier(down.to)?.code, since: at, direction: "downgrade"))
            guard !hidden else { continue }
            changes.append(
                (
                    TierChange(
                        customerId: customer, from: scheme.rank(state.code), to: down.to, reason: down.reason,
                        qualifying: down.qualifying, invoiceNumber: nil, source: "import"), at
                ))
        }
        return changes
    }

    /// After an accrued invoice of `amount` (points or spend, by the scheme's basis): the upgrade it
    /// brings (`TierPolicy.upgrade` at its date, counting what was recorded and what this batch brought
    /// up to then), now held from that date. One dated before a change already recorded for the
    /// customer counts for the batch's later invoices but is not recorded: the member's tier is its
    /// latest change's, and that later change stands.
    mutating func qualify(_ customer: Int64, adding amount: Decimal, on date: Date, invoiceNumber: String) throws
        -> TierChange?
    {
        earned[customer, default: []].append((date, amount))
        let held = held(customer, on: date)
        guard let up = try TierPolicy.upgrade(scheme, held, now: date, measure: { try measure(customer, $0, asOf: date) })
        else { return nil }
        let hidden = superseded(customer, at: date)
        states[customer, default: []].append(TierState(code: scheme.tier(up.to)?.code, since: date, direction: "upgrade"))
        guard !hidden else { return nil }
        return TierChange(
            customerId: customer, from: scheme.rank(held?.code), to: up.to, reason: .qualified, qualifying: up.qualifying,
            invoiceNumber: invoiceNumber, source: "import")
    }
}
