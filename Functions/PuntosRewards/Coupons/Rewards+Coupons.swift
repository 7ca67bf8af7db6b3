import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// Buying a reward, and a coupon's life at the checkout.
extension Rewards {
    /// One redemption, one coupon: the account locked, the per-customer limit checked, the lots drawn
    /// soonest-expiring first, a unit of stock (and a partner code) taken, all in one transaction.
    func buy(_ e: RewardsEvent.BuyReward, _ context: FunctionContext) throws -> PurchaseResult {
        guard e.idempotencyKey != nil else {
            throw FunctionError.badInput(
                .missingField, field: "idempotency_key",
                "buy_reward needs an idempotency_key, so that a purchase retried after a lost answer buys once")
        }
        let reference = try AccountReference(cardNumber: e.cardNumber, externalId: e.externalId)
        let code = try RewardValidation.code(e.code)
        return try RewardsStore.write("rewards.buy_reward", programme: e.programme, key: e.idempotencyKey, request: e, context) {
            store in
            let rules = try store.rules.load()
            var account = try store.accounts(rules).lock(reference)
            let reward = try store.catalogue.current(code)
            try reward.terms.checkOffered(at: context.now, segment: account.segment)
            if let limit = reward.terms.perCustomer,
                try store.coupons.bought(
                    rewardId: reward.id, customerId: account.customerId, period: reward.terms.perCustomerPeriod ?? .campaign)
                    >= limit
            {
                throw FunctionError.refused(
                    .rewardLimitReached, field: "code",
                    "reward \(code) may be bought \(limit) times per customer per \((reward.terms.perCustomerPeriod ?? .campaign).rawValue)"
                )
            }
            let price = reward.terms.pricePoints
            guard account.available >= price else {
                throw FunctionError.refused(
                    .insufficientPoints, field: "code",
                    "reward \(code) costs \(price) points; the card has \(max(account.available, 0)) available")
            }
            let partner = reward.terms.type == .voucher ? try store.catalogue.claimCode(rewardId: reward.id) : nil
            guard try store.catalogue.takeUnit(reward), reward.terms.type != .voucher || partner != nil else {
                throw FunctionError.refused(.rewardSoldOut, field: "code", "reward \(code) is sold out")
            }
            let couponCode = CouponCode.generate()
            let voucher = "R" + String((0..<12).map { _ in "0123456789".randomElement()! })
            let validUntil = reward.terms.couponValidUntil(boughtAt: context.now)
            let entryId = try store.points.spend(
                &account, points: price, voucher: voucher, reward: reward, couponCode: couponCode, validUntil: validUntil)
            let couponId = try store.coupons.insert(
                NewCoupon(
                    code: couponCode, reward: reward, customerId: account.customerId, cardNumber: account.cardNumber,
                    voucherNumber: voucher, entryId: entryId, partnerCode: partner?.code, validUntil: validUntil))
            if let partner { try store.catalogue.assignCode(partner.id, couponId: couponId) }
            return PurchaseResult(
                couponCode: couponCode.description, reward: reward.code, version: reward.version, name: reward.terms.name,
                points: price, voucherNumber: voucher, validUntil: validUntil, partnerCode: partner?.code,
                balance: PointsLeft(
                    cardNumber: account.cardNumber, available: account.available, pending: account.pending, held: account.held))
        }
    }

    /// Whether the coupon applies to the order and for how much; writes nothing.
    func validate(_ e: RewardsEvent.CouponOrder, _ context: FunctionContext) throws -> CouponResult {
        let order = try CheckedOrder(e)
        let programme = try Validate.programme(e.programme)
        return try context.database.withTransaction { connection in
            let store = RewardsStore(connection: connection, programmeId: programme, context: context)
            let coupon = try store.coupons.find(order.code, lock: false)
            try order.checkOwner(coupon)
            let others = try order.orderNumber.map { try store.coupons.combinableUsedOn($0, besides: coupon.id) } ?? []
            return CouponResult(coupon, decision: order.decision(coupon, othersOnOrder: others, now: context.now))
        }
    }

    /// Consumes the coupon on the order, exactly once: the coupon's row is locked, so of two uses at
    /// once the second finds it used. The same order again answers as the first time.
    func use(_ e: RewardsEvent.CouponOrder, _ context: FunctionContext) throws -> CouponResult {
        let order = try CheckedOrder(e)
        guard let orderNumber = order.orderNumber else {
            throw FunctionError.badInput(.missingField, field: "order_number", "use_coupon needs the order_number")
        }
        return try RewardsStore.write("rewards.use_coupon", programme: e.programme, key: e.idempotencyKey, request: e, context) {
            store in
            var coupon = try store.coupons.find(order.code, lock: true)
            try order.checkOwner(coupon)
            if coupon.status == .used, coupon.orderNumber == orderNumber {
                return CouponResult(
                    coupon, decision: CouponDecision(applies: true, discount: coupon.discount ?? 0, reason: nil))
            }
            // Two coupons used on one order at once: the order's lock makes the second see the first.
            try store.coupons.lockOrder(orderNumber)
            let others = try store.coupons.combinableUsedOn(orderNumber, besides: coupon.id)
            let decision = order.decision(coupon, othersOnOrder: others, now: context.now)
            guard decision.applies else { throw Self.refusal(decision.reason ?? "", coupon: coupon) }
            try store.coupons.markUsed(coupon.id, order: orderNumber, discount: decision.discount)
            coupon.status = .used
            coupon.orderNumber = orderNumber
            return CouponResult(coupon, decision: decision)
        }
    }

    /// The order the coupon was used on was cancelled: the coupon is active again (until its date).
    func restore(_ e: RewardsEvent.RestoreCoupon, _ context: FunctionContext) throws -> CouponResult {
        let code = try CouponCode.parse(e.couponCode, field: "coupon_code")
        let orderNumber = try Validate.text(e.orderNumber, field: "order_number", maxLength: 64)
        _ = try Validate.optionalText(e.reason, field: "reason", maxLength: 500)
        return try RewardsStore.write(
            "rewards.restore_coupon", programme: e.programme, key: e.idempotencyKey, request: e, context
        ) { store in
            var coupon = try store.coupons.find(code, lock: true)
            if coupon.status == .active, try store.coupons.lastRestored(coupon.id, order: orderNumber) {
                return CouponResult(coupon)
            }
            guard coupon.status == .used, coupon.orderNumber == orderNumber else {
                throw FunctionError.refused(
                    .couponNotUsed, field: "order_number", "coupon \(code) was not used on order \(orderNumber)")
            }
            try store.coupons.restore(coupon.id, order: orderNumber)
            coupon.status = .active
            coupon.orderNumber = nil
            coupon.discount = nil
            return CouponResult(coupon)
        }
    }

    /// Expires coupons past their date (each under its customer's account lock, so two sweeps at
    /// once end each coupon once), refunding their points where the programme says so, and writes
    /// `coupon_expiring` notices.
    func sweep(_ e: RewardsEvent.Sweep, _ context: FunctionContext) throws -> SweepResult {
        let programme = try Validate.programme(e.programme)
        let limit = e.limit ?? 10_000
        guard (1...100_000).contains(limit) else {
            throw FunctionError.badInput(.invalidValue, field: "limit", "limit must be 1 to 100000")
        }
        var result = SweepResult()
        let (rules, due) = try context.database.withTransaction { connection in
            let store = RewardsStore(connection: connection, programmeId: programme, context: context)
            return (try store.rules.load(), try store.coupons.dueToExpire(limit: limit))
        }
        for coupon in due {
            try context.database.withTransaction { connection in
                let store = RewardsStore(connection: connection, programmeId: programme, context: context)
                var account = try store.accounts(rules).lock(customerId: coupon.customerId)
                let row = try store.coupons.find(CouponCode(value: coupon.code), lock: true)
                guard try store.coupons.end(row.id, as: rules.refundExpired ? .refunded : .expired) else { return }
                result.expired += 1
                if rules.refundExpired {
                    try store.points.refund(&account, coupon: row)
                    result.refunded += 1
                    result.pointsRefunded += row.points
                }
            }
        }
        result.noticesWritten = try context.database.withTransaction { connection in
            try RewardsStore(connection: connection, programmeId: programme, context: context).coupons.writeExpiringNotices(
                days: rules.expiringNoticeDays)
        }
        return result
    }

    /// The refusal `use_coupon` answers for a decision's reason.
    static func refusal(_ reason: String, coupon: CouponRow) -> FunctionError {
        let code = CouponCode(value: coupon.code)
        switch reason {
        case "coupon_used":
            return .refused(.couponUsed, field: "coupon_code", "coupon \(code) was used on another order")
        case "coupon_expired", "coupon_refunded":
            return .refused(.couponExpired, field: "coupon_code", "coupon \(code) expired")
        case "not_combinable":
            return .refused(
                .couponNotCombinable, field: "order_number",
                "coupon \(code) cannot be combined with the coupon already used on order \(coupon.orderNumber ?? "this order")")
        default:
            return .refused(.couponNotApplicable, field: "order_amount", "coupon \(code) does not apply: \(reason)")
        }
    }
}

/// A checkout's coupon and order, checked.
struct CheckedOrder {
    var code: CouponCode
    var cardNumber: String?
    var orderNumber: String?
    var amount: Decimal
    var lines: [RewardsEvent.OrderLine]

    init(_ e: RewardsEvent.CouponOrder) throws {
        code = try CouponCode.parse(e.couponCode, field: "coupon_code")
        cardNumber = try e.cardNumber.map { try Validate.cardNumber($0, field: "card_number").digits }
        orderNumber = try Validate.optionalText(e.orderNumber, field: "order_number", maxLength: 64)
        amount = e.orderAmount.value
        lines = e.lines ?? []
        try CouponDecision.checkOrder(amount: amount, lines: lines)
    }

    /// A card presented with the coupon must be the one it was bought with (or that customer's).
    func checkOwner(_ coupon: CouponRow) throws {
        if let cardNumber, cardNumber != coupon.cardNumber, cardNumber != coupon.currentCard {
            throw FunctionError.conflict(
                .customerMismatch, field: "card_number", "the coupon belongs to another card")
        }
    }

    func decision(_ coupon: CouponRow, othersOnOrder: [Bool], now: Date) -> CouponDecision {
        CouponDecision.make(
            terms: coupon.terms, status: coupon.status, validUntil: coupon.validUntil, orderAmount: amount, lines: lines,
            othersOnOrder: othersOnOrder, now: now)
    }
}
