import FoundationEssentials
public import PuntosCore
import PuntosPostgres
public import PuntosRuntime

/// `subscribe`: price and stock alerts for customers and confirmed guests; list, remove, confirm.
public struct Subscribe: FunctionHandler {
    public static let name = "subscribe"

    public static let httpRoutes = [
        "POST /alerts/price": "price",
        "POST /alerts/stock": "stock",
        "GET /alerts/confirm": "confirm",
        "POST /alerts/list": "list",
        "POST /alerts/remove": "remove",
    ]

    public static let defaultExpiryDays = 90

    let configuration: AlertsConfiguration

    public init(configuration: AlertsConfiguration = .fromEnvironment()) { self.configuration = configuration }

    public func handle(_ event: SubscribeEvent, context: FunctionContext) throws -> SubscribeOutput {
        switch event {
        case .price(let event): try create(event, kind: "price", context)
        case .stock(let event): try create(event, kind: "stock", context)
        case .confirm(let confirm): try self.confirm(confirm, context)
        case .list(let list): try self.list(list, context)
        case .remove(let remove): try self.remove(remove, context)
        }
    }

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

    static func validate(_ event: SubscribeEvent.Create, kind: String) throws -> Terms {
        let store = try Validate.text(event.store, field: "store", maxLength: 64)
        let sku = try Validate.text(event.sku, field: "sku", maxLength: 128)
        let productName = try Validate.optionalText(event.productName, field: "product_name", maxLength: 200)
        let isPrice = kind == "price"
        let rearm: RearmPolicy
        if let text = event.rearm {
            let allowed: [RearmPolicy] = isPrice ? [.furtherDrop, .once] : [.everyRestock, .once]
            guard let policy = RearmPolicy(rawValue: text), allowed.contains(policy) else {
                throw FunctionError.badInput(
                    .invalidValue, field: "rearm",
                    "rearm must be one of: \(allowed.map(\.rawValue).joined(separator: ", "))")
            }
            rearm = policy
        } else {
            rearm = isPrice ? .furtherDrop : .once
        }
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
        if isPrice {
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
                    .missingField, field: "target_price",
                    "a price alert needs target_price, min_drop_percent or min_drop_amount")
            }
            terms.currentPrice = try event.currentPrice.map { try Money.validate($0.value, field: "current_price") }
        } else {
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
        return terms
    }

    private func create(_ event: SubscribeEvent.Create, kind: String, _ context: FunctionContext) throws -> SubscribeOutput {
        let programme = try Validate.programme(event.programme)
        let terms = try Self.validate(event, kind: kind)
        if event.subscriber.email != nil { _ = try configuration.requireSecret() }
        return try Idempotency.run(
            database: context.database, programme: programme, scope: "subscribe.\(kind)", key: event.idempotencyKey,
            request: event
        ) { connection in
            _ = try Programme.load(programme, from: connection)
            let store = SubscriptionStore(connection: connection, programme: programme)
            let subscriber = try store.subscriberKey(event.subscriber, field: "subscriber")
            if let timeZone = terms.timeZone {
                guard subscriber.customerId != nil else {
                    throw FunctionError.badInput(.invalidValue, field: "time_zone", "time_zone is kept for customers only")
                }
                guard try store.isValidTimeZone(timeZone) else {
                    throw FunctionError.badInput(
                        .invalidValue, field: "time_zone", "time_zone must be an IANA zone such as Europe/Madrid")
                }
            }
            var baseline: Decimal?
            var knownRestock: Int?
            if kind == "price" {
                baseline =
                    try terms.currentPrice ?? store.lastPrice(store: terms.store, sku: terms.sku, currency: terms.currency!)
                if baseline == nil, terms.rule.minDropPercent != nil || terms.rule.minDropAmount != nil {
                    throw FunctionError.refused(
                        .priceUnknown, field: "current_price",
                        "a drop needs the price now: give current_price, or send the price feed first")
                }
            } else {
                knownRestock = try store.knownRestock(store: terms.store, sku: terms.sku, minQuantity: terms.minQuantity ?? 1)
            }
            let isGuest = subscriber.customerId == nil
            let now = context.now
            let expiresAt = now.addingTimeInterval(Double(terms.expiresInDays) * 86_400)
            // An expired subscription no longer holds the person's one live slot.
            try connection.query(
                """
                UPDATE alert_subscriptions SET status = 'expired'
                WHERE programme_id = \(programme) AND subscriber = \(subscriber.key) AND sku = \(terms.sku) AND kind = \(kind)
                  AND store = \(terms.store) AND status IN ('pending', 'active') AND expires_at <= \(now)
                """)
            let row = try connection.query(
                """
                INSERT INTO alert_subscriptions (programme_id, customer_id, email, kind, store, sku, currency, product_name,
                    target_price, min_drop_percent, min_drop_amount, baseline_price, min_quantity, notified_restock, rearm,
                    channel, locale, status, created_at, confirmed_at, expires_at)
                VALUES (\(programme), \(subscriber.customerId), \(subscriber.email), \(kind), \(terms.store), \(terms.sku),
                    \(terms.currency), \(terms.productName), \(terms.rule.targetPrice)::numeric, \(terms.rule.minDropPercent)::numeric,
                    \(terms.rule.minDropAmount)::numeric, \(baseline)::numeric, \(terms.minQuantity), \(knownRestock),
                    \(terms.rearm.rawValue), \(terms.channel), \(terms.locale), \(isGuest ? "pending" : "active"), \(now),
                    \(isGuest ? nil : now), \(expiresAt))
                ON CONFLICT (programme_id, subscriber, sku, kind, store) WHERE status IN ('pending', 'active') DO UPDATE SET
                    currency = excluded.currency, product_name = coalesce(excluded.product_name, alert_subscriptions.product_name),
                    target_price = excluded.target_price, min_drop_percent = excluded.min_drop_percent,
                    min_drop_amount = excluded.min_drop_amount, baseline_price = excluded.baseline_price,
                    min_quantity = excluded.min_quantity, rearm = excluded.rearm, channel = excluded.channel,
                    locale = coalesce(excluded.locale, alert_subscriptions.locale), expires_at = excluded.expires_at
                RETURNING *
                """
            ).one()
            let view = try store.view(row)
            if isGuest {
                if view.status == "pending" {
                    try sendConfirmation(view, email: subscriber.email!, locale: terms.locale, connection, context)
                }
            } else {
                // Subscribing is consent: an earlier "stop everything" no longer applies.
                try connection.query(
                    "DELETE FROM unsubscribes WHERE programme_id = \(programme) AND address_key = \(subscriber.key)")
                if terms.timeZone != nil || terms.channel != nil {
                    try connection.query(
                        """
                        INSERT INTO notification_settings AS n (customer_id, time_zone, updated_at)
                        VALUES (\(subscriber.customerId), \(terms.timeZone), \(now))
                        ON CONFLICT (customer_id) DO UPDATE SET time_zone = coalesce(excluded.time_zone, n.time_zone),
                            updated_at = excluded.updated_at
                        WHERE n.time_zone IS DISTINCT FROM coalesce(excluded.time_zone, n.time_zone)
                        """)
                }
            }
            return SubscribeOutput(subscription: view, confirmationRequired: view.status == "pending")
        }
    }

    /// The one message a guest gets before confirming: the signed, expiring link.
    private func sendConfirmation(
        _ view: SubscriptionView, email: String, locale: String?,
        _ connection: PostgresConnection, _ context: FunctionContext
    ) throws {
        let expires = Int64(context.now.timeIntervalSince1970 + configuration.confirmTTLSeconds)
        let token = SignedToken(purpose: .confirm, id: view.id, expires: expires).encoded(
            secret: try configuration.requireSecret())
        let payload: [String: JSONValue] = [
            "confirm_url": .string(configuration.confirmURL(token)), "sku": .string(view.sku), "store": .string(view.store),
            "alert": .string(view.kind), "product_name": view.productName.map(JSONValue.string) ?? .null,
            "confirm_expires_at": .string(Timestamp.format(Date(timeIntervalSince1970: Double(expires)))),
        ]
        let json = JSONText(String(decoding: try JSONCoding.encode(JSONValue.object(payload)), as: UTF8.self))
        try connection.query(
            """
            INSERT INTO notices (programme_id, email, kind, dedupe_key, payload, locale, channel)
            SELECT programme_id, email, 'alert_confirm', 'alert_confirm:' || id, \(json)::jsonb, \(locale), 'email'
            FROM alert_subscriptions WHERE id = \(view.id)
            ON CONFLICT (dedupe_key) DO NOTHING
            """)
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
            let updated = try connection.query(
                """
                UPDATE alert_subscriptions SET status = 'active', confirmed_at = \(context.now)
                WHERE id = \(token.id) AND status = 'pending' AND expires_at > \(context.now)
                RETURNING *
                """)
            let row: PostgresRow
            if let first = updated.first {
                row = first
                try connection.query(
                    """
                    DELETE FROM unsubscribes u USING alert_subscriptions s
                    WHERE s.id = \(token.id) AND u.programme_id = s.programme_id AND u.address_key = s.subscriber
                    """)
            } else {
                guard let existing = try connection.query("SELECT * FROM alert_subscriptions WHERE id = \(token.id)").first,
                    try existing.decode("status", as: String.self) == "active"
                else {
                    throw FunctionError.notFound(
                        .subscriptionNotFound, field: "token", "the subscription was removed or has expired")
                }
                row = existing  // confirmed already: the same answer again
            }
            let view = try SubscriptionStore(connection: connection, programme: try row.decode("programme_id")).view(row)
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
            let subscriber = try store.subscriberKey(event.subscriber, field: "subscriber")
            let rows = try connection.query(
                """
                SELECT * FROM alert_subscriptions
                WHERE programme_id = \(programme) AND subscriber = \(subscriber.key)
                  AND (status = 'fired' OR (status IN ('pending', 'active') AND expires_at > \(context.now)))
                ORDER BY created_at, id
                """)
            return SubscribeOutput(subscriptions: try rows.map(store.view))
        }
    }

    private func remove(_ event: SubscribeEvent.Remove, _ context: FunctionContext) throws -> SubscribeOutput {
        let programme = try Validate.programme(event.programme)
        return try Idempotency.run(
            database: context.database, programme: programme, scope: "subscribe.remove", key: event.idempotencyKey,
            request: event
        ) { connection in
            let store = SubscriptionStore(connection: connection, programme: programme)
            let subscriber = try store.subscriberKey(event.subscriber, field: "subscriber")
            let rows = try connection.query(
                """
                UPDATE alert_subscriptions SET status = CASE WHEN status = 'removed' THEN status ELSE 'removed' END,
                    removed_at = coalesce(removed_at, \(context.now))
                WHERE id = \(event.subscriptionId) AND programme_id = \(programme) AND subscriber = \(subscriber.key)
                RETURNING *
                """)
            guard let row = rows.first else {
                throw FunctionError.notFound(
                    .subscriptionNotFound, field: "subscription_id",
                    "the subscriber has no subscription \(event.subscriptionId)")
            }
            return SubscribeOutput(subscription: try store.view(row))
        }
    }
}
