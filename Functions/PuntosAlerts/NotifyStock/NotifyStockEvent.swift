public import FoundationEssentials
import PuntosCore
import PuntosRuntime

/// Every event `notify-stock` understands, told apart by `kind`.
public enum NotifyStockEvent: Sendable, Decodable {
    /// Stock levels per sku in one store: one sku (`sku`, `quantity`) or a feed (`items`).
    case stock(Stock)
    /// Sends the waves that are due (run by a schedule).
    case waves(Waves)

    public static let kinds = ["stock", "waves"]

    private enum KindKey: String, CodingKey { case kind }

    public init(from decoder: any Decoder) throws {
        let kind = try decoder.container(keyedBy: KindKey.self).decode(String.self, forKey: .kind)
        switch kind {
        case "stock":
            try decoder.rejectUnknownKeys(Stock.CodingKeys.self)
            self = .stock(try Stock(from: decoder))
        case "waves":
            try decoder.rejectUnknownKeys(Waves.CodingKeys.self)
            self = .waves(try Waves(from: decoder))
        default:
            throw FunctionError.badInput(
                .unknownKind, field: "kind",
                "kind \"\(kind)\" is not a notify-stock event; expected one of: \(Self.kinds.joined(separator: ", "))")
        }
    }

    public struct Item: Sendable, Codable, Equatable {
        public var sku: String
        public var quantity: Int

        enum CodingKeys: String, CodingKey, CaseIterable { case sku, quantity }

        public init(sku: String, quantity: Int) {
            self.sku = sku
            self.quantity = quantity
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            sku = try container.decode(String.self, forKey: .sku)
            quantity = try container.decode(Int.self, forKey: .quantity)
        }
    }

    public struct Stock: Sendable, Decodable {
        public var programme: String?
        public var store: String
        public var items: [Item]
        /// Notify at most this many subscribers of a restock at once, oldest first; the rest follow
        /// in later waves, each after `wave_interval_minutes` and only while the item is still sellable.
        /// Wave settings are kept for the sku until an event gives new ones.
        public var waveSize: Int?
        public var waveIntervalMinutes: Int?
        /// When the shop read these levels. A level older than (or as old as) the one a sku last took
        /// changes nothing, so a redelivered or reordered event cannot undo a newer one.
        public var asOf: Date?
        /// A redelivered event with the same key changes nothing and answers as the first time.
        public var idempotencyKey: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, store, items, sku, quantity, waveSize = "wave_size", waveIntervalMinutes =
                "wave_interval_minutes"
            case asOf = "as_of", idempotencyKey = "idempotency_key"
        }

        public init(programme: String? = nil, store: String, items: [Item], waveSize: Int? = nil, waveIntervalMinutes: Int? = nil)
        {
            self.programme = programme
            self.store = store
            self.items = items
            self.waveSize = waveSize
            self.waveIntervalMinutes = waveIntervalMinutes
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            programme = try container.decodeIfPresent(String.self, forKey: .programme)
            store = try container.decode(String.self, forKey: .store)
            waveSize = try container.decodeIfPresent(Int.self, forKey: .waveSize)
            waveIntervalMinutes = try container.decodeIfPresent(Int.self, forKey: .waveIntervalMinutes)
            asOf = try container.decodeIfPresent(Date.self, forKey: .asOf)
            idempotencyKey = try container.decodeIfPresent(String.self, forKey: .idempotencyKey)
            if container.contains(.items) {
                for key in [CodingKeys.sku, .quantity] where container.contains(key) {
                    throw FunctionError.badInput(
                        .invalidValue, field: key.stringValue, "give either items or one sku, not both")
                }
                items = try container.decode([Item].self, forKey: .items)
            } else {
                items = [
                    Item(
                        sku: try container.decode(String.self, forKey: .sku),
                        quantity: try container.decode(Int.self, forKey: .quantity))
                ]
            }
        }
    }

    public struct Waves: Sendable, Codable {
        public var kind = "waves"
        enum CodingKeys: String, CodingKey, CaseIterable { case kind }
        public init() {}
    }
}

public struct NotifyStockOutput: Codable, Sendable, Equatable {
    public var items: Int
    /// Skus that changed from not sellable to sellable.
    public var restocked: Int
    /// Subscriptions notified now.
    public var fired: Int
    public var notices: Int
    /// Subscribers left for later waves.
    public var waiting: Int
    /// Items older than the level their sku already has (`as_of`): nothing changed for them.
    public var stale: Int = 0
}
