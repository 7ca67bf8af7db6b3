import FoundationEssentials
package import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// `subscribe`: price and stock alerts for customers and confirmed guests; list, remove, confirm; and
/// a customer's channels per notice class or kind (`preferences`).
package struct Subscribe: FunctionHandler {
    package static let name = "subscribe"

    package static let httpRoutes = [
        "POST /alerts/price": "price",
        "POST /alerts/stock": "stock",
        "GET /alerts/confirm": "confirm",
        "POST /alerts/list": "list",
        "POST /alerts/remove": "remove",
        "POST /preferences": "preferences",
    ]

    static let defaultExpiryDays = 90

    let configuration: AlertsConfiguration

    package init(configuration: AlertsConfiguration = .fromEnvironment()) { self.configuration = configuration }

    package func handle(_ event: SubscribeEvent, context: FunctionContext) throws -> SubscribeOutput {
        switch event {
        case .price(let event): try create(event, kind: .price, context)
        case .stock(let event): try create(event, kind: .stock, context)
        case .confirm(let confirm): try self.confirm(confirm, context)
        case .list(let list): try self.list(list, context)
        case .remove(let remove): try self.remove(remove, context)
        case .preferences(let preferences): try self.preferences(preferences, context)
        }
    }

    private func create(_ event: SubscribeEvent.Create, kind: SubscriptionKind, _ context: FunctionContext) throws
        -> SubscribeOutput
    {
        let programme = try Validate.programme(event.programme)
        let terms = try Self.validate(event, kind: kind)
        if event.subscriber.email != nil { _ = try configuration.requireSecret() }
        return try Idempotency.run(
            database: context.database, programme: programme, scope: "subscribe.\(kind.rawValue)", key: event.idempotencyKey,
            request: event
        ) { connection in
            _ = try Programme.load(programme, from: connection)
            let store = SubscriptionStore(connection: connection, programme: programme)
            let subscriber = try store.subscriber(event.subscriber, field: "subscriber")
            try Self.checkTimeZone(terms.timeZone, of: subscriber, store)
            let start = try Self.start(terms, kind: kind, store)
            let now = context.now
            try store.expireLapsed(subscriber: subscriber.key, kind: kind, store: terms.store, sku: terms.sku, now: now)
            let view = try store.upsert(
                terms, kind: kind, subscriber: subscriber, start: start, now: now,
                expiresAt: now.addingTimeInterval(Double(terms.expiresInDays) * 86_400))
            let pending = SubscriptionStatus(rawValue: view.status) == .pending
            if subscriber.isGuest {
                if pending { try queueConfirmation(view, locale: terms.locale, store, context) }
            } else {
                try store.clearUnsubscribe(of: subscriber.key)
                if terms.timeZone != nil || terms.channel != nil {
                    try store.keepTimeZone(customerId: subscriber.customerId, timeZone: terms.timeZone, now: now)
                }
            }
            return SubscribeOutput(subscription: view, confirmationRequired: pending)
        }
    }

    /// A time zone is kept for customers only, and must be one PostgreSQL knows.
    private static func checkTimeZone(
        _ timeZone: String?, of subscriber: SubscriptionStore.Subscriber, _ store: SubscriptionStore
    ) throws {
        guard let timeZone else { return }
        guard !subscriber.isGuest else {
            throw FunctionError.badInput(.invalidValue, field: "time_zone", "time_zone is kept for customers only")
        }
        guard try store.isValidTimeZone(timeZone) else {
            throw FunctionError.badInput(
                .invalidValue, field: "time_zone", "time_zone must be an IANA zone such as Europe/Madrid")
        }
    }

    /// A price subscription starts from the price now (given, else the feed's last); a drop needs one.
    /// A stock subscription starts knowing the current restock, if the item can be bought now.
    private static func start(_ terms: Terms, kind: SubscriptionKind, _ store: SubscriptionStore) throws
        -> SubscriptionStore.Start
    {
        switch kind {
        case .price:
            let baseline =
                try terms.currentPrice ?? store.lastPrice(store: terms.store, sku: terms.sku, currency: terms.currency!)
            if baseline == nil, terms.rule.minDropPercent != nil || terms.rule.minDropAmount != nil {
                throw FunctionError.refused(
                    .priceUnknown, field: "current_price",
                    "a drop needs the price now: give current_price, or send the price feed first")
            }
            return SubscriptionStore.Start(baseline: baseline)
        case .stock:
            return SubscriptionStore.Start(
                knownRestock: try store.knownRestock(store: terms.store, sku: terms.sku, minQuantity: terms.minQuantity ?? 1))
        }
    }

    /// The one message a guest gets before confirming: the signed, expiring link.
    private func queueConfirmation(
        _ view: SubscriptionView, locale: String?, _ store: SubscriptionStore, _ context: FunctionContext
    ) throws {
        let expires = Int64(context.now.timeIntervalSince1970 + configuration.confirmTTLSeconds)
        let token = SignedToken(purpose: .confirm, id: view.id, expires: expires).encoded(
            secret: try configuration.requireSecret())
        let payload: [String: JSONValue] = [
            "confirm_url": .string(configuration.confirmURL(token)), "sku": .string(view.sku), "store": .string(view.store),
            "alert": .string(view.kind), "product_name": view.productName.map(JSONValue.string) ?? .null,
            "confirm_expires_at": .string(Timestamp.format(Date(timeIntervalSince1970: Double(expires)))),
        ]
        try store.queueConfirmation(subscriptionId: view.id, payload: payload, locale: locale)
    }

    private func confirm(_ event: SubscribeEvent.Confirm, _ context: FunctionContext) throws -> SubscribeOutput {
        let secret = try configuration.requireSecret()
        let token: SignedToken
        switch SignedToken.verify(event.token, purpose: .confirm, secret: secret, now: context.now) {
        case .success(let verified): token = verified
        case .failure(.expired):
            throw FunctionError.refused(.tokenExpired, field: "token", "the confirmation link has expired; subscribe again")
        case .failure:
            throw FunctionError.badInput(.invalidToken, field: "token", "the confirmation link is not valid")
        }
        return try context.database.withTransaction { connection in
            let store = SubscriptionConfirmationStore(connection: connection)
            let view: SubscriptionView
            if let confirmed = try store.confirm(id: token.id, now: context.now) {
                view = confirmed
            } else {
                guard let existing = try store.subscription(id: token.id), existing.status == .active else {
                    throw FunctionError.notFound(
                        .subscriptionNotFound, field: "token", "the subscription was removed or has expired")
                }
                view = existing.view  // confirmed already: the same answer again
            }
            let html = HTMLPage.render(
                title: "Alert confirmed",
                body: "<p>Thank you. We will tell you about \(HTMLPage.escape(view.productName ?? view.sku)).</p>")
            return SubscribeOutput(subscription: view, confirmationRequired: false, html: html)
        }
    }

    private func list(_ event: SubscribeEvent.List, _ context: FunctionContext) throws -> SubscribeOutput {
        let programme = try Validate.programme(event.programme)
        return try context.database.withTransaction(isolation: .repeatableRead) { connection in
            let store = SubscriptionStore(connection: connection, programme: programme)
            let subscriber = try store.subscriber(event.subscriber, field: "subscriber")
            return SubscribeOutput(subscriptions: try store.list(of: subscriber.key, now: context.now))
        }
    }

    private func remove(_ event: SubscribeEvent.Remove, _ context: FunctionContext) throws -> SubscribeOutput {
        let programme = try Validate.programme(event.programme)
        return try Idempotency.run(
            database: context.database, programme: programme, scope: "subscribe.remove", key: event.idempotencyKey,
            request: event
        ) { connection in
            let store = SubscriptionStore(connection: connection, programme: programme)
            let subscriber = try store.subscriber(event.subscriber, field: "subscriber")
            guard let view = try store.remove(id: event.subscriptionId, subscriber: subscriber.key, now: context.now) else {
                throw FunctionError.notFound(
                    .subscriptionNotFound, field: "subscription_id",
                    "the subscriber has no subscription \(event.subscriptionId)")
            }
            return SubscribeOutput(subscription: view)
        }
    }
}
