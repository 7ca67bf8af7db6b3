package import FoundationEssentials
package import PuntosCore
package import PuntosRuntime

/// Every event `subscribe` understands, told apart by `kind`.
package enum SubscribeEvent: KindedEvent {
    /// Subscribe to a sku's price in a store and currency.
    case price(Create)
    /// Subscribe to a sku's stock in a store.
    case stock(Create)
    /// A guest follows the link in the confirmation e-mail.
    case confirm(Confirm)
    /// The owner's live and fired subscriptions.
    case list(List)
    /// The owner removes a subscription.
    case remove(Remove)
    /// A customer chooses their channels per notice class or kind.
    case preferences(Preferences)

    package static let kindTable = EventKinds<SubscribeEvent>(
        "a subscribe event",
        .kind("price", Create.CodingKeys.self) { .price(try Create(from: $0)) },
        .kind("stock", Create.CodingKeys.self) { .stock(try Create(from: $0)) },
        .kind("confirm", Confirm.CodingKeys.self) { .confirm(try Confirm(from: $0)) },
        .kind("list", List.CodingKeys.self) { .list(try List(from: $0)) },
        .kind("remove", Remove.CodingKeys.self) { .remove(try Remove(from: $0)) },
        .kind("preferences", Preferences.CodingKeys.self) { .preferences(try Preferences(from: $0)) })

    package init(from decoder: any Decoder) throws { self = try Self.kindTable.decode(decoder) }

    /// Who subscribes: exactly one of a card, a customer id, an external id (a known customer), or an
    /// e-mail (a guest, who must confirm).
    package struct Subscriber: Codable, Sendable, Equatable {
        package var cardNumber: String?
        package var customerId: Int64?
        package var externalId: String?
        package var email: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case cardNumber = "card_number", customerId = "customer_id", externalId = "external_id", email
        }

        package init(cardNumber: String? = nil, customerId: Int64? = nil, externalId: String? = nil, email: String? = nil) {
            self.cardNumber = cardNumber
            self.customerId = customerId
            self.externalId = externalId
            self.email = email
        }

        package init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            cardNumber = try container.decodeIfPresent(String.self, forKey: .cardNumber)
            customerId = try container.decodeIfPresent(Int64.self, forKey: .customerId)
            externalId = try container.decodeIfPresent(String.self, forKey: .externalId)
            email = try container.decodeIfPresent(String.self, forKey: .email)
        }
    }

    package struct Create: Codable, Sendable, Equatable {
        package var kind: String
        package var programme: String?
        package var subscriber: Subscriber
        package var store: String
        package var sku: String
        package var productName: String?
        /// Price alerts: the currency the prices are in (required).
        package var currency: String?
        package var targetPrice: DecimalInput?
        package var minDropPercent: DecimalInput?
        package var minDropAmount: DecimalInput?
        /// The price the customer sees now; else the last price the feed told.
        package var currentPrice: DecimalInput?
        /// Stock alerts: fire when at least this many are sellable (default 1).
        package var minQuantity: Int?
        package var rearm: String?
        package var channel: String?
        package var locale: String?
        /// The customer's IANA time zone (`Europe/Madrid`), for SMS quiet hours.
        package var timeZone: String?
        package var expiresInDays: Int?
        /// A redelivered event with the same key changes nothing and answers as the first time.
        /// Without one, subscribing again renews: the expiry and a drop's baseline count from now.
        package var idempotencyKey: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, subscriber, store, sku, currency, rearm, channel, locale
            case idempotencyKey = "idempotency_key"
            case productName = "product_name", targetPrice = "target_price", minDropPercent = "min_drop_percent"
            case minDropAmount = "min_drop_amount", currentPrice = "current_price", minQuantity = "min_quantity"
            case timeZone = "time_zone", expiresInDays = "expires_in_days"
        }
    }

    package struct Confirm: Codable, Sendable, Equatable {
        package var kind = "confirm"
        package var token: String

        enum CodingKeys: String, CodingKey, CaseIterable { case kind, token }

        package init(token: String) { self.token = token }
    }

    package struct List: Codable, Sendable, Equatable {
        package var kind = "list"
        package var programme: String?
        package var subscriber: Subscriber

        enum CodingKeys: String, CodingKey, CaseIterable { case kind, programme, subscriber }
    }

    package struct Remove: Codable, Sendable, Equatable {
        package var kind = "remove"
        package var programme: String?
        package var subscriber: Subscriber
        package var subscriptionId: Int64
        package var idempotencyKey: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, subscriber, subscriptionId = "subscription_id", idempotencyKey = "idempotency_key"
        }
    }

    /// A customer's channels: `{"transactional": "both", "marketing": "sms", "price_drop": "none"}`, each
    /// key a notice class or kind, each value `email`, `sms`, `both`, `none`, or null to forget the
    /// choice. Keys not given keep their choice.
    package struct Preferences: Codable, Sendable, Equatable {
        package var kind = "preferences"
        package var programme: String?
        package var subscriber: Subscriber
        package var channels: [String: String?]
        package var idempotencyKey: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, subscriber, channels, idempotencyKey = "idempotency_key"
        }
    }
}

/// A customer's channel choices as `subscribe` answers with them: every choice now kept.
package struct PreferencesView: Codable, Sendable, Equatable {
    package var customerId: Int64
    package var channels: [String: String]

    enum CodingKeys: String, CodingKey { case channels, customerId = "customer_id" }

    package init(customerId: Int64, channels: [String: String]) {
        self.customerId = customerId
        self.channels = channels
    }
}

/// A subscription as `subscribe` answers with it.
package struct SubscriptionView: Codable, Sendable, Equatable {
    package var id: Int64
    package var kind: String
    package var status: String
    package var store: String
    package var sku: String
    package var productName: String?
    package var currency: String?
    package var targetPrice: String?
    package var minDropPercent: String?
    package var minDropAmount: String?
    package var baselinePrice: String?
    package var minQuantity: Int?
    package var rearm: String
    package var channel: String?
    package var createdAt: Date
    package var confirmedAt: Date?
    package var expiresAt: Date
    package var lastFiredAt: Date?
    package var fireCount: Int

    enum CodingKeys: String, CodingKey {
        case id, kind, status, store, sku, currency, rearm, channel
        case productName = "product_name", targetPrice = "target_price", minDropPercent = "min_drop_percent"
        case minDropAmount = "min_drop_amount", baselinePrice = "baseline_price", minQuantity = "min_quantity"
        case createdAt = "created_at", confirmedAt = "confirmed_at", expiresAt = "expires_at"
        case lastFiredAt = "last_fired_at", fireCount = "fire_count"
    }
}

/// The answer of `subscribe`: one subscription, or a list.
package struct SubscribeOutput: Codable, Sendable, Equatable {
    package var subscription: SubscriptionView?
    package var subscriptions: [SubscriptionView]?
    /// A guest's subscription waits for the link sent by e-mail.
    package var confirmationRequired: Bool?
    /// For a confirmation link opened in a browser.
    package var html: String?
    /// The customer's channels, after `preferences`.
    package var preferences: PreferencesView?

    enum CodingKeys: String, CodingKey {
        case subscription, subscriptions, html, preferences, confirmationRequired = "confirmation_required"
    }
}
