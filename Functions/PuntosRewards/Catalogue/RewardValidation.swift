import FoundationEssentials
import PuntosCore
import PuntosRuntime

/// The checks on a reward's definition, each naming the field it refuses.
enum RewardValidation {
    static func code(_ code: String, field: String = "code") throws -> String {
        guard (1...64).contains(code.count), code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) })
        else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must be 1 to 64 letters, digits, _ . or -")
        }
        return code
    }

    static func terms(_ e: RewardsEvent.RewardInput) throws -> RewardTerms {
        guard let type = RewardType(rawValue: e.type) else {
            throw FunctionError.badInput(
                .invalidValue, field: "type", "type must be one of: amount_off, percent_off, free_product, voucher")
        }
        func money(_ input: DecimalInput?, _ field: String) throws -> Decimal? {
            guard let value = input?.value else { return nil }
            guard value > 0, value < 1_000_000_000_000, cents(value) == value else {
                throw FunctionError.badInput(
                    .invalidValue, field: field, "\(field) must be more than zero, with at most 2 decimals")
            }
            return value
        }
        func required<T>(_ value: T?, _ field: String) throws -> T {
            guard let value else {
                throw FunctionError.badInput(.missingField, field: field, "a reward of type \(type.rawValue) needs \(field)")
            }
            return value
        }
        func absent(_ value: (some Any)?, _ field: String) throws {
            if value != nil {
                throw FunctionError.badInput(.invalidValue, field: field, "a reward of type \(type.rawValue) takes no \(field)")
            }
        }
        var terms = RewardTerms(
            name: try Validate.text(e.name, field: "name", maxLength: 200), type: type,
            amount: try money(e.amount, "amount"), percent: nil, maxDiscount: try money(e.maxDiscount, "max_discount"),
            sku: try Validate.optionalText(e.sku, field: "sku", maxLength: 128),
            minOrderAmount: try money(e.minOrderAmount, "min_order_amount"), pricePoints: e.pricePoints,
            offeredFrom: e.offeredFrom, offeredUntil: e.offeredUntil, validDays: e.validDays, validUntil: e.validUntil,
            stockTotal: e.stockTotal, perCustomer: e.perCustomer, segments: e.segments, combinable: e.combinable ?? false)
        if let percent = e.percent?.value {
            guard percent > 0, percent <= 100, cents(percent) == percent else {
                throw FunctionError.badInput(.invalidValue, field: "percent", "percent must be more than 0 and at most 100")
            }
            terms.percent = percent
        }
        switch type {
        case .amountOff:
            _ = try required(terms.amount, "amount")
            try absent(terms.percent, "percent")
            try absent(terms.sku, "sku")
        case .percentOff:
            _ = try required(terms.percent, "percent")
            try absent(terms.amount, "amount")
            try absent(terms.sku, "sku")
        case .freeProduct:
            _ = try required(terms.sku, "sku")
            try absent(terms.amount, "amount")
            try absent(terms.percent, "percent")
        case .voucher:
            try absent(terms.amount, "amount")
            try absent(terms.percent, "percent")
            try absent(terms.sku, "sku")
        }
        if type != .percentOff { try absent(terms.maxDiscount, "max_discount") }
        if let period = e.perCustomerPeriod {
            guard let period = LimitPeriod(rawValue: period) else {
                throw FunctionError.badInput(
                    .invalidValue, field: "per_customer_period", "per_customer_period must be day, week, month or campaign")
            }
            _ = try required(terms.perCustomer, "per_customer")
            terms.perCustomerPeriod = period == .campaign ? nil : period
        }
        try Validate.points(terms.pricePoints, field: "price_points")
        try limits(terms)
        return terms
    }

    private static func limits(_ terms: RewardTerms) throws {
        if let from = terms.offeredFrom, let until = terms.offeredUntil, from >= until {
            throw FunctionError.badInput(.invalidValue, field: "offered_until", "offered_until must be after offered_from")
        }
        guard terms.validDays != nil || terms.validUntil != nil else {
            throw FunctionError.badInput(.missingField, field: "valid_days", "give valid_days, valid_until or both")
        }
        if let days = terms.validDays, !(1...3650).contains(days) {
            throw FunctionError.badInput(.invalidValue, field: "valid_days", "valid_days must be 1 to 3650")
        }
        if let stock = terms.stockTotal, stock < 0 {
            throw FunctionError.badInput(.invalidValue, field: "stock_total", "stock_total must be zero or more")
        }
        if let limit = terms.perCustomer, limit < 1 {
            throw FunctionError.badInput(.invalidValue, field: "per_customer", "per_customer must be 1 or more")
        }
        for (index, segment) in (terms.segments ?? []).enumerated()
        where !(1...64).contains(segment.count)
            || !segment.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-") })
        {
            throw FunctionError.badInput(
                .invalidValue, field: "segments[\(index)]", "a segment is 1 to 64 lower-case letters, digits, _ or -")
        }
    }
}

/// An amount cut down to whole cents (never rounded up: a discount never exceeds what its terms give).
func cents(_ value: Decimal) -> Decimal {
    let text = value.description
    let parts = text.split(separator: ".", maxSplits: 1)
    guard parts.count == 2, parts[1].count > 2 else { return value }
    return Decimal(string: parts[0] + "." + parts[1].prefix(2)) ?? value
}
