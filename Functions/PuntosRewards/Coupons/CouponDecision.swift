package import FoundationEssentials
import PuntosCore
import PuntosRuntime

/// Whether a coupon applies to an order and how much it takes off, decided before anything is
/// written: `reason` says why not (the same word `use_coupon` refuses with in its message).
package struct CouponDecision: Codable, Sendable, Equatable {
    package var applies: Bool
    package var discount: Decimal
    /// coupon_used, coupon_expired, coupon_refunded, not_yet_valid, below_min_order, sku_not_in_order,
    /// not_combinable
    package var reason: String?

    enum CodingKeys: String, CodingKey { case applies, discount, reason }

    static func no(_ reason: String) -> CouponDecision { CouponDecision(applies: false, discount: 0, reason: reason) }

    /// The decision for a coupon in `status`, valid until `validUntil`, bought under `terms`, on an
    /// order of `amount` with `lines`, at `now`. `othersOnOrder` holds, for each other coupon already
    /// used on the same order, whether its terms let it be combined: two coupons share an order only
    /// when both say they may.
    package static func make(
        terms: RewardTerms, status: CouponStatus, validUntil: Date, orderAmount amount: Decimal,
        lines: [RewardsEvent.OrderLine], othersOnOrder: [Bool] = [], now: Date
    ) -> CouponDecision {
        switch status {
        case .used: return .no("coupon_used")
        case .expired: return .no("coupon_expired")
        case .refunded: return .no("coupon_refunded")
        case .active: break
        }
        guard now < validUntil else { return .no("coupon_expired") }
        if !othersOnOrder.isEmpty, !terms.combinable || othersOnOrder.contains(false) { return .no("not_combinable") }
        if let minimum = terms.minOrderAmount, amount < minimum { return .no("below_min_order") }
        let discount: Decimal
        switch terms.type {
        case .amountOff:
            discount = min(terms.amount ?? 0, amount)
        case .percentOff:
            let share = cents(amount * (terms.percent ?? 0) / 100)
            discount = min(share, terms.maxDiscount ?? share)
        case .freeProduct:
            guard let line = lines.first(where: { $0.sku == terms.sku && $0.quantity > 0 }) else {
                return .no("sku_not_in_order")
            }
            discount = min(cents(line.amount.value / Decimal(line.quantity)), amount)
        case .voucher:
            discount = 0
        }
        return CouponDecision(applies: true, discount: discount, reason: nil)
    }

    /// The order's fields checked: a positive amount with cents, lines with an sku, units and an amount.
    static func checkOrder(amount: Decimal, lines: [RewardsEvent.OrderLine]) throws {
        guard amount > 0, cents(amount) == amount, amount < 1_000_000_000_000 else {
            throw FunctionError.badInput(
                .invalidValue, field: "order_amount", "order_amount must be more than zero, with at most 2 decimals")
        }
        for (index, line) in lines.enumerated() {
            _ = try Validate.text(line.sku, field: "lines[\(index)].sku", maxLength: 128)
            guard (1...1_000_000).contains(line.quantity) else {
                throw FunctionError.badInput(
                    .invalidValue, field: "lines[\(index)].quantity", "quantity must be 1 to 1000000")
            }
            guard line.amount.value >= 0, cents(line.amount.value) == line.amount.value else {
                throw FunctionError.badInput(
                    .invalidValue, field: "lines[\(index)].amount", "amount must be zero or more, with at most 2 decimals")
            }
        }
    }
}

/// Where a coupon is (`coupons.status`).
package enum CouponStatus: String, StoredVocabulary {
    case active, used, expired, refunded
}
