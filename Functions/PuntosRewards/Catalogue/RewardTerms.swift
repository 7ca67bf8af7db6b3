package import FoundationEssentials
import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// What a coupon of a reward takes off an order.
package enum RewardType: String, StoredVocabulary {
    /// A fixed amount off the order.
    case amountOff = "amount_off"
    /// A percentage of the order, at most `max_discount`.
    case percentOff = "percent_off"
    /// One unit of `sku` free.
    case freeProduct = "free_product"
    /// A gift or partner voucher: a code from the list the shop uploaded, used at the partner.
    case voucher
}

/// The window a per-customer limit counts purchases in.
package enum LimitPeriod: String, StoredVocabulary {
    case day, week, month, campaign
}

/// The terms of one version of a reward: what it gives, what it costs, when and to whom it is
/// offered, how long its coupons last and how many there are. A coupon keeps the version it was
/// bought under; a change is a new version.
package struct RewardTerms: Codable, Sendable, Equatable {
    package var name: String
    package var type: RewardType
    package var amount: Decimal?
    package var percent: Decimal?
    package var maxDiscount: Decimal?
    package var sku: String?
    package var minOrderAmount: Decimal?
    package var pricePoints: Int64
    package var offeredFrom: Date?
    package var offeredUntil: Date?
    /// A coupon is good for this many days after its purchase, and/or until `validUntil`.
    package var validDays: Int?
    package var validUntil: Date?
    package var stockTotal: Int64?
    package var perCustomer: Int?
    /// What `perCustomer` counts over: day, week or month (UTC); the whole campaign without it
    /// (absent, so that answers stored before it existed read the same).
    package var perCustomerPeriod: LimitPeriod?
    /// The customer segments it is offered to; everyone without it.
    package var segments: [String]?
    package var combinable: Bool

    enum CodingKeys: String, CodingKey {
        case name, type, amount, percent, sku, segments, combinable
        case maxDiscount = "max_discount", minOrderAmount = "min_order_amount", pricePoints = "price_points",
            offeredFrom = "offered_from", offeredUntil = "offered_until", validDays = "valid_days",
            validUntil = "valid_until", stockTotal = "stock_total", perCustomer = "per_customer",
            perCustomerPeriod = "per_customer_period"
    }

    /// Whether a customer of `segment` may buy it at `now`; the refusal says why not.
    package func checkOffered(at now: Date, segment: String?) throws {
        if let from = offeredFrom, now < from {
            throw FunctionError.refused(.rewardNotOffered, field: "code", "the reward is offered from \(Timestamp.format(from))")
        }
        if let until = offeredUntil, now >= until {
            throw FunctionError.refused(
                .rewardNotOffered, field: "code", "the reward was offered until \(Timestamp.format(until))")
        }
        if let segments, !segments.contains(segment ?? "") {
            throw FunctionError.refused(.rewardNotOffered, field: "code", "the reward is not offered to this customer's segment")
        }
    }

    /// When a coupon bought at `now` stops being valid: the earlier of its days and its date.
    package func couponValidUntil(boughtAt now: Date) -> Date {
        let byDays = validDays.map { now.addingTimeInterval(Double($0) * 86_400) }
        return [byDays, validUntil].compactMap { $0 }.min() ?? now
    }
}

extension RewardTerms {
    /// The terms from a `reward_versions` row.
    init(_ row: PostgresRow) throws {
        name = try row.decode("name")
        type = try row.decode("kind")
        amount = try row.decodeIfPresent("amount")
        percent = try row.decodeIfPresent("percent")
        maxDiscount = try row.decodeIfPresent("max_discount")
        sku = try row.decodeIfPresent("sku")
        minOrderAmount = try row.decodeIfPresent("min_order_amount")
        pricePoints = try row.decode("price_points")
        offeredFrom = try row.decodeIfPresent("offered_from")
        offeredUntil = try row.decodeIfPresent("offered_until")
        validDays = try row.decodeIfPresent("valid_days")
        validUntil = try row.decodeIfPresent("valid_until")
        stockTotal = try row.decodeIfPresent("stock_total")
        perCustomer = try row.decodeIfPresent("per_customer")
        let period: LimitPeriod = try row.decode("per_customer_period")
        perCustomerPeriod = period == .campaign ? nil : period
        segments = try row.decodeIfPresent("segments", as: String.self).map {
            $0.split(separator: ",").map(String.init)
        }
        combinable = try row.decode("combinable")
    }
}
