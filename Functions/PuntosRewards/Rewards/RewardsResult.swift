package import FoundationEssentials
import PuntosCore
import PuntosRuntime

/// What `rewards` answers: one shape per kind, encoded as that shape.
package enum RewardsResult: Encodable, Sendable, Equatable {
    case reward(RewardView)
    case purchase(PurchaseResult)
    case coupon(CouponResult)
    case coupons(CouponsResult)
    case rules(RulesResult)
    case sweep(SweepResult)

    package func encode(to encoder: any Encoder) throws {
        switch self {
        case .reward(let value): try value.encode(to: encoder)
        case .purchase(let value): try value.encode(to: encoder)
        case .coupon(let value): try value.encode(to: encoder)
        case .coupons(let value): try value.encode(to: encoder)
        case .rules(let value): try value.encode(to: encoder)
        case .sweep(let value): try value.encode(to: encoder)
        }
    }

    package var purchase: PurchaseResult? { if case .purchase(let value) = self { value } else { nil } }
    package var coupon: CouponResult? { if case .coupon(let value) = self { value } else { nil } }
    package var reward: RewardView? { if case .reward(let value) = self { value } else { nil } }
    package var coupons: CouponsResult? { if case .coupons(let value) = self { value } else { nil } }
    package var sweep: SweepResult? { if case .sweep(let value) = self { value } else { nil } }
}

/// A reward as now on offer.
package struct RewardView: Codable, Sendable, Equatable {
    package var code: String
    package var version: Int
    package var terms: RewardTerms
    package var sold: Int64
    /// Units left, nil when the stock is unlimited.
    package var stockLeft: Int64?
    /// Partner codes not yet given out (type voucher).
    package var codesLeft: Int64?

    enum CodingKeys: String, CodingKey {
        case code, version, terms, sold, stockLeft = "stock_left", codesLeft = "codes_left"
    }

    init(_ reward: CatalogueReward, codesLeft: Int64? = nil) {
        code = reward.code
        version = reward.version
        terms = reward.terms
        sold = reward.sold
        stockLeft = reward.terms.stockTotal.map { max($0 - reward.sold, 0) }
        self.codesLeft = codesLeft
    }
}

/// The points a card has after a purchase or refund.
package struct PointsLeft: Codable, Sendable, Equatable {
    package var cardNumber: String
    package var available: Int64
    package var pending: Int64
    package var held: Int64

    enum CodingKeys: String, CodingKey { case available, pending, held, cardNumber = "card_number" }
}

/// A reward bought: its coupon and what the points are now.
package struct PurchaseResult: Codable, Sendable, Equatable {
    package var couponCode: String
    package var reward: String
    package var version: Int
    package var name: String
    package var points: Int64
    package var voucherNumber: String
    package var validUntil: Date
    package var partnerCode: String?
    package var balance: PointsLeft

    enum CodingKeys: String, CodingKey {
        case reward, version, name, points, balance
        case couponCode = "coupon_code", voucherNumber = "voucher_number", validUntil = "valid_until",
            partnerCode = "partner_code"
    }
}

/// A coupon, and what it does for an order (validate, use, restore, list).
package struct CouponResult: Codable, Sendable, Equatable {
    package var couponCode: String
    package var status: CouponStatus
    package var reward: String
    package var version: Int
    package var name: String
    package var type: RewardType
    package var points: Int64
    package var validUntil: Date
    package var partnerCode: String?
    /// The order it was used on (use, and a used coupon listed).
    package var orderNumber: String?
    /// validate and use: whether it applies to the order, how much it takes off, why not.
    package var applies: Bool?
    package var discount: Decimal?
    package var reason: String?

    enum CodingKeys: String, CodingKey {
        case status, reward, version, name, type, points, applies, discount, reason
        case couponCode = "coupon_code", validUntil = "valid_until", partnerCode = "partner_code",
            orderNumber = "order_number"
    }

    init(_ coupon: CouponRow, decision: CouponDecision? = nil) {
        couponCode = CouponCode(value: coupon.code).description
        status = coupon.status
        reward = coupon.rewardCode
        version = coupon.rewardVersion
        name = coupon.terms.name
        type = coupon.terms.type
        points = coupon.points
        validUntil = coupon.validUntil
        partnerCode = coupon.partnerCode
        orderNumber = coupon.orderNumber
        applies = decision?.applies
        discount = decision?.discount ?? coupon.discount
        reason = decision?.reason
    }
}

/// A card's coupons, newest first.
package struct CouponsResult: Codable, Sendable, Equatable {
    package var cardNumber: String
    package var coupons: [CouponResult]

    enum CodingKeys: String, CodingKey { case coupons, cardNumber = "card_number" }
}

package struct RulesResult: Codable, Sendable, Equatable {
    package var programme: String
    package var refundExpired: Bool
    package var expiringNoticeDays: Int

    enum CodingKeys: String, CodingKey {
        case programme, refundExpired = "refund_expired", expiringNoticeDays = "expiring_notice_days"
    }
}

package struct SweepResult: Codable, Sendable, Equatable {
    /// Coupons that expired unused (refunded ones included).
    package var expired = 0
    package var refunded = 0
    package var pointsRefunded: Int64 = 0
    package var noticesWritten = 0

    enum CodingKeys: String, CodingKey {
        case expired, refunded, pointsRefunded = "points_refunded", noticesWritten = "notices_written"
    }
}
