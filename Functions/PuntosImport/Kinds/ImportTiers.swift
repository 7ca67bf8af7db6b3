import Foundation
import PuntosLedger

/// A batch's account of its customers' tiers, for a programme with tiers: each customer's tier history
/// (recorded before, and the upgrades the batch brings), and what the batch's accrued invoices add to
/// their qualifying totals, so that each invoice, in date order, earns at the tier held on its date and
/// brings the upgrade `accrue` would record then.
struct ImportTiers {
    let scheme: TierScheme
    private let store: TierStore
    private var states: [Int64: [TierState]]
    private var earned: [Int64: [(date: Date, amount: Decimal)]] = [:]

    init(scheme: TierScheme, store: TierStore, history: ImportTierStore, customers: [Int64]) throws {
        self.scheme = scheme
        self.store = store
        states = try history.changes(customerIds: customers)
    }

    /// The customer's tier on `date`: its latest change by then.
    func held(_ customer: Int64, on date: Date) -> TierState? {
        states[customer]?.last { $0.since <= date }
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
        let (batch, held, scheme, store) = (earned[customer]!, held(customer, on: date), scheme, store)
        guard
            let up = try TierPolicy.upgrade(
                scheme, held, now: date,
                measure: { window in
                    let until = min(window.until, date)
                    let recorded = try store.qualifying(
                        customerId: customer, scheme.basis, TierWindow(from: window.from, until: until))
                    return batch.reduce(recorded) { $1.date >= window.from && $1.date <= until ? $0 + $1.amount : $0 }
                })
        else { return nil }
        let superseded = states[customer]?.contains { $0.since > date } ?? false
        states[customer, default: []].append(TierState(code: scheme.tier(up.to)?.code, since: date, direction: "upgrade"))
        guard !superseded else { return nil }
        return TierChange(
            customerId: customer, from: scheme.rank(held?.code), to: up.to, reason: .qualified, qualifying: up.qualifying,
            invoiceNumber: invoiceNumber, source: "import")
    }
}
