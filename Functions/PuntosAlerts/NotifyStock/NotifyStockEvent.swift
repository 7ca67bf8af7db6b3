package import FoundationEssentials
import PuntosCore
package import PuntosRuntime

/// Every event `notify-stock` understands, told apart by `kind`.
package enum NotifyStockEvent: KindedEvent {
    /// Stock levels per sku in one store: one sku (`sku`, `quantity`) or a feed (`items`).
    case stock(Stock)
    /// Sends the waves that are due (run by a schedule).
    case waves(Waves)

    package static let kindTable = EventKinds<NotifyStockEvent>(
        "a notify-stock event",
        .kind("stock", Stock.CodingKeys.self) { .stock(try Stock(from: $0)) },
        .kind("waves", Waves.CodingKeys.self) { .waves(try Waves(from: $0)) })

    package init(from decoder: any Decoder) throws { self = try Self.kindTable.decode(decoder) }

    package struct Item: Sendable, Codable, Equatable {
        package var sku: String
        package var quantity: Int

        enum CodingKeys: String, CodingKey, CaseIterable { case sku, quantity }

        package init(sku: String, quantity: Int) {
            self.sku = sku
            self.quantity = quantity
        }

        package init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            sku = try container.decode(String.self, forKey: .sku)
            quantity = try container.decode(Int.self, forKey: .quantity)
        }
    }

    package struct Stock: Sendable, Decodable {
        package var programme: String?
        package var store: String
        package var items: [Item]
        /// Notify at most this many subscribers of a restock at once, oldest first; the rest follow
        /// in later waves, each after `wave_interval_minutes` and only while the item is still sellable.
        /// Wave settings are kept for the sku until an event gives new ones.
        package var waveSize: Int?
        package var waveIntervalMinutes: Int?
        /// When the shop read these levels. A level older than (or as old as) the one a sku last took
        /// changes nothing, so a redelivered or reordered event cannot undo a newer one.
        package var asOf: Date?
        /// A redelivered event with the same key changes nothing and answers as the first time.
        package var idempotencyKey: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, store, items, sku, quantity, waveSize = "wave_size", waveIntervalMinutes =
                "wave_interval_minutes"
            case asOf = "as_of", idempotencyKey = "idempotency_key"
        }

        package init(
            programme: String? = nil, store: String, items: [Item], waveSize: Int? = nil, waveIntervalMinutes: Int? = nil
        ) {
            self.programme = programme
            self.store = store
            self.items = items
            self.waveSize = waveSize
            self.waveIntervalMinutes = waveIntervalMinutes
        }

        package init(from decoder: any Decoder) throws {
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

    package struct Waves: Sendable, Codable {
        package var kind = "waves"
        enum CodingKeys: String, CodingKey, CaseIterable { case kind }
        package init() {}
    }
}

package struct NotifyStockOutput: Codable, Sendable, Equatable {
    package var items: Int
    /// Skus that changed from not sellable to sellable.
    package var restocked: Int
    /// Subscriptions notified now.
    package var fired: Int
    package var notices: Int
    /// Subscribers left for later waves.
    package var waiting: Int
    /// Items older than the level their sku already has (`as_of`): nothing changed for them.
    package var stale: Int = 0
}
