import Foundation
import PuntosLedger

/// A batch's account of its limited promotions, locked for the batch: what each budget still leaves
/// and what each customer was given in each cap period (before the batch, and by it so far), so that
/// each invoice, in date order, gets what `PromotionLimitStore.take` would give it then.
struct ImportLimits {
    let limits: [String: ImportPromotionLimit]
    private var budgetLeft: [String: Int64]
    private var used: [CapUse: Int64] = [:]

    /// A customer's use of a capped promotion in one period (nil: the campaign).
    private struct CapUse: Hashable {
        var promotion: Int64
        var customer: Int64
        var period: Date?
    }

    /// Locks the programme's limited promotions and reads what the caps of the batch's customers used.
    init(_ store: ImportLimitStore, customers: [Int64]) throws {
        limits = try store.lock()
        budgetLeft = limits.compactMapValues(\.budgetLeft)
        let capped = Dictionary(uniqueKeysWithValues: limits.values.filter { $0.cap != nil }.map { ($0.id, $0) })
        for grant in try store.grants(promotionIds: Array(capped.keys), customerIds: customers) {
            guard let limit = capped[grant.promotionId] else { continue }
            used[CapUse(promotion: limit.id, customer: grant.customerId, period: limit.periodStart(grant.at)), default: 0] +=
                grant.granted
        }
    }

    var isEmpty: Bool { limits.isEmpty }

    /// What the limited promotions among `codes` still allow the customer on `date`.
    func allowances(_ codes: Set<String>, customer: Int64, on date: Date) -> [String: PromotionAllowance] {
        var allowances: [String: PromotionAllowance] = [:]
        for code in codes {
            guard let limit = limits[code] else { continue }
            let use = CapUse(promotion: limit.id, customer: customer, period: limit.periodStart(date))
            allowances[code] = PromotionAllowance(
                budgetLeft: budgetLeft[code], capLeft: limit.cap.map { $0 - used[use, default: 0] })
        }
        return allowances
    }

    /// Takes what `grants` gave from the budgets and the customer's caps; answers them to record.
    mutating func take(_ grants: [PromotionGrant], customer: Int64, invoiceNumber: String, on date: Date) -> [ImportGrant] {
        grants.map { grant in
            let limit = limits[grant.promotion]!
            budgetLeft[grant.promotion]? -= grant.granted
            used[CapUse(promotion: limit.id, customer: customer, period: limit.periodStart(date)), default: 0] += grant.granted
            return ImportGrant(
                promotionId: limit.id, customerId: customer, invoiceNumber: invoiceNumber, asked: grant.extra,
                granted: grant.granted, at: date)
        }
    }
}
