public import FoundationEssentials
public import PuntosCore
import PuntosRuntime

/// Every event `subscribe` understands, told apart by `kind`.
public enum SubscribeEvent: Sendable, Decodable {
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

    public static let kinds = ["price", "stock", "confirm", "list", "remove"]

    private enum KindKey: String, CodingKey { case kind }

    public init(from decoder: any Decoder) throws {
        let kind = try decoder.container(keyedBy: KindKey.self).decode(String.self, forKey: .kind)
        switch kind {
        case "price", "stock":
            try decoder.rejectUnknownKeys(Create.CodingKeys.self)
            let create = try Create(from: decoder)
            self = kind == "price" ? .price(create) : .stock(create)
        case "confirm":
            try decoder.rejectUnknownKeys(Confirm.CodingKeys.self)
            self = .confirm(try Confirm(from: decoder))
        case "list":
            try decoder.rejectUnknownKeys(List.CodingKeys.self)
            self = .list(try List(from: decoder))
        case "remove":
            try decoder.rejectUnknownKeys(Remove.CodingKeys.self)
            self = .remove(try Remove(from: decoder))
        default:
            throw FunctionError.badInput(
                .unknownKind, field: "kind",
                "kind \"\(kind)\" is not a subscribe event; expected one of: \(Self.kinds.joined(separator: ", "))")
        }
    }

    /// Who subscribes: exactly one of a card, a customer id, an external id (a known customer), or an
    /// e-mail (a guest, who must confirm).
    public struct Subscriber: Codable, Sendable, Equatable {
        public var cardNumber: String?
        public var customerId: Int64?
        public var externalId: String?
        public var email: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case cardNumber = "card_number", customerId = "customer_id", externalId = "external_id", email
        }

        public init(cardNumber: String? = nil, customerId: Int64? = nil, externalId: String? = nil, email: String? = nil) {
            self.cardNumber = cardNumber
            self.customerId = customerId
            self.externalId = externalId
            self.email = email
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            cardNumber = try container.decodeIfPresent(String.self, forKey: .cardNumber)
            customerId = try container.decodeIfPresent(Int64.self, forKey: .customerId)
            externalId = try container.decodeIfPresent(String.self, forKey: .externalId)
            email = try container.decodeIfPresent(String.self, forKey: .email)
        }
    }

    public struct Create: Codable, Sendable, Equatable {
        public var kind: String
        public var programme: String?
        public var subscriber: Subscriber
        public var store: String
        public var sku: String
        public var productName: String?
        /// Price alerts: the currency the prices are in (required).
        public var currency: String?
        public var targetPrice: DecimalInput?
        public var minDropPercent: DecimalInput?
        public var minDropAmount: DecimalInput?
        /// The price the customer sees now; else the last price the feed told.
        public var currentPrice: DecimalInput?
        /// Stock alerts: fire when at least this many are sellable (default 1).
        public var minQuantity: Int?
        public var rearm: String?
        public var channel: String?
        public var locale: String?
        /// The customer's IANA time zone (`Europe/Madrid`), for SMS quiet hours.
        public var timeZone: String?
        public var expiresInDays: Int?
        /// A redelivered event with the same key changes nothing and answers as the first time.
        /// Without one, subscribing again renews: the expiry and a drop's baseline count from now.
        public var idempotencyKey: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, subscriber, store, sku, currency, rearm, channel, locale
            case idempotencyKey = "idempotency_key"
            case productName = "product_name", targetPrice = "target_price", minDropPercent = "min_drop_percent"
            case minDropAmount = "min_drop_amount", currentPrice = "current_price", minQuantity = "min_quantity"
            case timeZone = "time_zone", expiresInDays = "expires_in_days"
        }
    }

    public struct Confirm: Codable, Sendable, Equatable {
        public var kind = "confirm"
        public var token: String

        enum CodingKeys: String, CodingKey, CaseIterable { case kind, token }

        public init(token: String) { self.token = token }
    }

    public struct List: Codable, Sendable, Equatable {
        public var kind = "list"
        public var programme: String?
        public var subscriber: Subscriber

        enum CodingKeys: String, CodingKey, CaseIterable { case kind, programme, subscriber }
    }

    public struct Remove: Codable, Sendable, Equatable {
        public var kind = "remove"
        public var programme: String?
        public var subscriber: Subscriber
        public var subscriptionId: Int64
        public var idempotencyKey: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, subscriber, subscriptionId = "subscription_id", idempotencyKey = "idempotency_key"
        }
    }
}

/// A subscription as `subscribe` answers with it.
public struct SubscriptionView: Codable, Sendable, Equatable {
    public var id: Int64
    public var kind: String
    public var status: String
    public var store: String
    public var sku: String
    public var productName: String?
    public var currency: String?
    public var targetPrice: String?
    public var minDropPercent: String?
    public var minDropAmount: String?
    public var baselinePrice: String?
    public var minQuantity: Int?
    public var rearm: String
    public var channel: String?
    public var createdAt: Date
    public var confirmedAt: Date?
    public var expiresAt: Date
    public var lastFiredAt: Date?
    public var fireCount: Int

    enum CodingKeys: String, CodingKey {
        case id, kind, status, store, sku, currency, rearm, channel
        case productName = "product_name", targetPrice = "target_price", minDropPercent = "min_drop_percent"
        case minDropAmount = "min_drop_amount", baselinePrice = "baseline_price", minQuantity = "min_quantity"
        case createdAt = "created_at", confirmedAt = "confirmed_at", expiresAt = "expires_at"
        case lastFiredAt = "last_fired_at", fireCount = "fire_count"
    }
}

/// The answer of `subscribe`: one subscription, or a list.
public struct SubscribeOutput: Codable, Sendable, Equatable {
    public var subscription: SubscriptionView?
    public var subscriptions: [SubscriptionView]?
    /// A guest's subscription waits for the link sent by e-mail.
    public var confirmationRequired: Bool?
    /// For a confirmation link opened in a browser.
    public var html: String?

    enum CodingKeys: String, CodingKey {
        case subscription, subscriptions, html, confirmationRequired = "confirmation_required"
    }
}
