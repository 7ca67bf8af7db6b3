package import FoundationEssentials
package import PuntosCore
package import PuntosRuntime

/// Every event `rewards` understands, told apart by `kind`.
package enum RewardsEvent: KindedEvent {
    /// Define a reward, or change it: a new version (coupons keep theirs).
    case reward(RewardInput)
    /// Upload partner voucher codes for a reward of type `voucher`.
    case rewardCodes(RewardCodes)
    /// A member buys a reward with points: one redemption, one coupon.
    case buyReward(BuyReward)
    /// Would this coupon apply to this order, and for how much? Writes nothing.
    case validateCoupon(CouponOrder)
    /// Consume the coupon on an order, exactly once.
    case useCoupon(CouponOrder)
    /// The order was cancelled: the coupon may be used again.
    case restoreCoupon(RestoreCoupon)
    /// A card's coupons: active, used and expired.
    case coupons(CouponList)
    /// What happens to the points of coupons that expire unused, and when members are warned.
    case couponRules(CouponRules)
    /// Expire coupons past their date (refunding them if the rules say so) and warn of coming expiries.
    case sweep(Sweep)

    package static let kindTable = EventKinds<RewardsEvent>(
        "a rewards event", defaultKind: "sweep",
        .kind("reward", RewardInput.CodingKeys.self) { .reward(try RewardInput(from: $0)) },
        .kind("reward_codes", RewardCodes.CodingKeys.self) { .rewardCodes(try RewardCodes(from: $0)) },
        .kind("buy_reward", BuyReward.CodingKeys.self) { .buyReward(try BuyReward(from: $0)) },
        .kind("validate_coupon", CouponOrder.CodingKeys.self) { .validateCoupon(try CouponOrder(from: $0)) },
        .kind("use_coupon", CouponOrder.CodingKeys.self) { .useCoupon(try CouponOrder(from: $0)) },
        .kind("restore_coupon", RestoreCoupon.CodingKeys.self) { .restoreCoupon(try RestoreCoupon(from: $0)) },
        .kind("coupons", CouponList.CodingKeys.self) { .coupons(try CouponList(from: $0)) },
        .kind("coupon_rules", CouponRules.CodingKeys.self) { .couponRules(try CouponRules(from: $0)) },
        .kind("sweep", Sweep.CodingKeys.self) { .sweep(try Sweep(from: $0)) })

    package init(from decoder: any Decoder) throws { self = try Self.kindTable.decode(decoder) }

    package struct RewardInput: Codable, Sendable, Equatable {
        package var kind = "reward"
        package var programme: String?
        package var idempotencyKey: String?
        package var code: String
        package var name: String
        package var type: String
        package var amount: DecimalInput?
        package var percent: DecimalInput?
        package var maxDiscount: DecimalInput?
        package var sku: String?
        package var minOrderAmount: DecimalInput?
        package var pricePoints: Int64
        package var offeredFrom: Date?
        package var offeredUntil: Date?
        package var validDays: Int?
        package var validUntil: Date?
        package var stockTotal: Int64?
        package var perCustomer: Int?
        package var perCustomerPeriod: String?
        package var segments: [String]?
        package var combinable: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, code, name, type, amount, percent, sku, segments, combinable
            case idempotencyKey = "idempotency_key", maxDiscount = "max_discount", minOrderAmount = "min_order_amount",
                pricePoints = "price_points", offeredFrom = "offered_from", offeredUntil = "offered_until",
                validDays = "valid_days", validUntil = "valid_until", stockTotal = "stock_total", perCustomer = "per_customer",
                perCustomerPeriod = "per_customer_period"
        }
    }

    package struct RewardCodes: Codable, Sendable, Equatable {
        package var kind = "reward_codes"
        package var programme: String?
        package var idempotencyKey: String?
        package var code: String
        /// The partner's voucher codes; one already uploaded is skipped.
        package var codes: [String]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, code, codes, idempotencyKey = "idempotency_key"
        }
    }

    package struct BuyReward: Codable, Sendable, Equatable {
        package var kind = "buy_reward"
        package var programme: String?
        /// Required: a purchase retried after a lost answer must not buy twice.
        package var idempotencyKey: String?
        package var cardNumber: String?
        package var externalId: String?
        /// The reward's code.
        package var code: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, code, idempotencyKey = "idempotency_key", cardNumber = "card_number",
                externalId = "external_id"
        }
    }

    /// An order line, as much of it as a coupon needs.
    package struct OrderLine: Codable, Sendable, Equatable {
        package var sku: String
        package var quantity: Int
        /// The line's total.
        package var amount: DecimalInput
    }

    package struct CouponOrder: Codable, Sendable, Equatable {
        package var kind: String
        package var programme: String?
        package var idempotencyKey: String?
        package var couponCode: String
        /// The card presented with the coupon: when given, the coupon must be its customer's.
        package var cardNumber: String?
        /// Required to use a coupon; optional to validate one.
        package var orderNumber: String?
        package var orderAmount: DecimalInput
        package var lines: [OrderLine]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, lines, idempotencyKey = "idempotency_key", couponCode = "coupon_code",
                cardNumber = "card_number", orderNumber = "order_number", orderAmount = "order_amount"
        }
    }

    package struct RestoreCoupon: Codable, Sendable, Equatable {
        package var kind = "restore_coupon"
        package var programme: String?
        package var idempotencyKey: String?
        package var couponCode: String
        package var orderNumber: String
        package var reason: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, reason, idempotencyKey = "idempotency_key", couponCode = "coupon_code",
                orderNumber = "order_number"
        }
    }

    package struct CouponList: Codable, Sendable, Equatable {
        package var kind = "coupons"
        package var programme: String?
        package var cardNumber: String?
        package var externalId: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, cardNumber = "card_number", externalId = "external_id"
        }
    }

    package struct CouponRules: Codable, Sendable, Equatable {
        package var kind = "coupon_rules"
        package var programme: String?
        package var idempotencyKey: String?
        /// Whether the points of a coupon that expired unused go back to the member.
        package var refundExpired: Bool?
        package var expiringNoticeDays: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, idempotencyKey = "idempotency_key", refundExpired = "refund_expired",
                expiringNoticeDays = "expiring_notice_days"
        }
    }

    package struct Sweep: Codable, Sendable, Equatable {
        /// Absent in a scheduled event.
        package var kind: String?
        package var programme: String?
        /// Coupons handled per run: 1 to 100000, 10000 without it.
        package var limit: Int?

        enum CodingKeys: String, CodingKey, CaseIterable { case kind, programme, limit }
    }
}
