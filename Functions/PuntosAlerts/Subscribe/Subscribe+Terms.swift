import FoundationEssentials
import PuntosCore
import PuntosRuntime

extension Subscribe {
    /// A subscription's terms after validation.
    struct Terms {
        var store: String, sku: String, productName: String?, currency: String?
        var rule = PriceRule()
        var currentPrice: Decimal?
        var minQuantity: Int?
        var rearm: RearmPolicy
        var channel: String?, locale: String?, timeZone: String?
        var expiresInDays: Int
    }

    /// The event's terms, checked field by field: what both kinds share, then the kind's own.
    static func validate(_ event: SubscribeEvent.Create, kind: SubscriptionKind) throws -> Terms {
        let store = try Validate.text(event.store, field: "store", maxLength: 64)
        let sku = try Validate.text(event.sku, field: "sku", maxLength: 128)
        let productName = try Validate.optionalText(event.productName, field: "product_name", maxLength: 200)
        let rearm = try rearmPolicy(event.rearm, kind: kind)
        if let channel = event.channel, !["email", "sms", "webhook"].contains(channel) {
            throw FunctionError.badInput(.invalidValue, field: "channel", "channel must be email, sms or webhook")
        }
        if event.subscriber.email != nil, let channel = event.channel, channel != "email" {
            throw FunctionError.badInput(.invalidValue, field: "channel", "a guest is reached by e-mail only")
        }
        let expiresInDays = event.expiresInDays ?? defaultExpiryDays
        guard (1...366).contains(expiresInDays) else {
            throw FunctionError.badInput(.invalidValue, field: "expires_in_days", "expires_in_days must be 1 to 366")
        }
        var terms = Terms(
            store: store, sku: sku, productName: productName, currency: nil, rearm: rearm,
            channel: event.channel, locale: try Validate.locale(event.locale, field: "locale"),
            timeZone: try Validate.optionalText(event.timeZone, field: "time_zone", maxLength: 64),
            expiresInDays: expiresInDays)
        switch kind {
        case .price: try validatePrice(event, into: &terms)
        case .stock: try validateStock(event, into: &terms)
        }
        return terms
    }

    /// The rearm policy given, if the kind allows it, else the kind's default.
    private static func rearmPolicy(_ text: String?, kind: SubscriptionKind) throws -> RearmPolicy {
        guard let text else { return kind == .price ? .furtherDrop : .once }
        let allowed: [RearmPolicy] = kind == .price ? [.furtherDrop, .once] : [.everyRestock, .once]
        guard let policy = RearmPolicy(rawValue: text), allowed.contains(policy) else {
            throw FunctionError.badInput(
                .invalidValue, field: "rearm", "rearm must be one of: \(allowed.map(\.rawValue).joined(separator: ", "))")
        }
        return policy
    }

    /// A price alert: a currency, and a target price or a minimum drop; no stock terms.
    private static func validatePrice(_ event: SubscribeEvent.Create, into terms: inout Terms) throws {
        guard let currency = event.currency else {
            throw FunctionError.badInput(.missingField, field: "currency", "currency is required for a price alert")
        }
        terms.currency = try Money.currency(currency, field: "currency")
        if event.minQuantity != nil {
            throw FunctionError.badInput(.invalidValue, field: "min_quantity", "min_quantity is for stock alerts")
        }
        terms.rule.targetPrice = try event.targetPrice.map { try Money.validate($0.value, field: "target_price") }
        terms.rule.minDropAmount = try event.minDropAmount.map {
            try Money.validate($0.value, field: "min_drop_amount", allowZero: false)
        }
        if let percent = event.minDropPercent?.value {
            guard percent > 0, percent < 100 else {
                throw FunctionError.badInput(
                    .invalidValue, field: "min_drop_percent", "min_drop_percent must be above 0 and below 100")
            }
            terms.rule.minDropPercent = try Money.validate(percent, field: "min_drop_percent")
        }
        guard terms.rule.targetPrice != nil || terms.rule.minDropAmount != nil || terms.rule.minDropPercent != nil else {
            throw FunctionError.badInput(
                .missingField, field: "target_price", "a price alert needs target_price, min_drop_percent or min_drop_amount")
        }
        terms.currentPrice = try event.currentPrice.map { try Money.validate($0.value, field: "current_price") }
    }

    /// A stock alert: an optional minimum quantity; no price terms.
    private static func validateStock(_ event: SubscribeEvent.Create, into terms: inout Terms) throws {
        for (value, field) in [
            (event.currency != nil, "currency"), (event.targetPrice != nil, "target_price"),
            (event.minDropPercent != nil, "min_drop_percent"), (event.minDropAmount != nil, "min_drop_amount"),
            (event.currentPrice != nil, "current_price"),
        ] where value {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) is for price alerts")
        }
        if let minQuantity = event.minQuantity, !(1...1_000_000).contains(minQuantity) {
            throw FunctionError.badInput(.invalidValue, field: "min_quantity", "min_quantity must be 1 to 1000000")
        }
        terms.minQuantity = event.minQuantity
    }
}
