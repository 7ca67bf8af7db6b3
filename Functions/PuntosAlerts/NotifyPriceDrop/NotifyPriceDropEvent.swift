package import FoundationEssentials
package import PuntosCore
import PuntosRuntime

/// A price event for `notify-price-drop`: one sku (`sku`, `price`, `in_stock`) or a feed (`items`),
/// all in one store and currency.
package struct NotifyPriceDropEvent: Sendable, Decodable {
    package var programme: String?
    package var store: String
    package var currency: String
    package var items: [Item]
    /// When the shop read these prices. A price older than (or as old as) the one a sku last took
    /// changes nothing and fires nothing, so a redelivered or reordered feed cannot undo a newer one.
    package var asOf: Date?
    /// A redelivered event with the same key changes nothing and answers as the first time.
    package var idempotencyKey: String?

    package struct Item: Sendable, Decodable, Equatable {
        package var sku: String
        package var price: DecimalInput
        /// Whether the item can be bought; when absent, the last stock event decides (else true).
        package var inStock: Bool?
        package var name: String?
        package var url: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case sku, price, name, url, inStock = "in_stock" }

        package init(sku: String, price: Decimal, inStock: Bool? = true, name: String? = nil, url: String? = nil) {
            self.sku = sku
            self.price = DecimalInput(price)
            self.inStock = inStock
            self.name = name
            self.url = url
        }

        package init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            sku = try container.decode(String.self, forKey: .sku)
            price = try container.decode(DecimalInput.self, forKey: .price)
            inStock = try container.decodeIfPresent(Bool.self, forKey: .inStock)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            url = try container.decodeIfPresent(String.self, forKey: .url)
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, programme, store, currency, items, sku, price, name, url, inStock = "in_stock"
        case asOf = "as_of", idempotencyKey = "idempotency_key"
    }

    package init(programme: String? = nil, store: String, currency: String, items: [Item]) {
        self.programme = programme
        self.store = store
        self.currency = currency
        self.items = items
    }

    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // `POST /prices` names its kind (the route decides it); a plain event need not.
        if let kind = try container.decodeIfPresent(String.self, forKey: .kind), kind != "price" {
            throw FunctionError.badInput(
                .unknownKind, field: "kind", "kind \"\(kind)\" is not a notify-price-drop event; expected price")
        }
        programme = try container.decodeIfPresent(String.self, forKey: .programme)
        store = try container.decode(String.self, forKey: .store)
        currency = try container.decode(String.self, forKey: .currency)
        asOf = try container.decodeIfPresent(Date.self, forKey: .asOf)
        idempotencyKey = try container.decodeIfPresent(String.self, forKey: .idempotencyKey)
        if container.contains(.items) {
            for key in [CodingKeys.sku, .price, .name, .url, .inStock] where container.contains(key) {
                throw FunctionError.badInput(.invalidValue, field: key.stringValue, "give either items or one sku, not both")
            }
            items = try container.decode([Item].self, forKey: .items)
        } else {
            var item = Item(
                sku: try container.decode(String.self, forKey: .sku),
                price: try container.decode(DecimalInput.self, forKey: .price).value,
                inStock: try container.decodeIfPresent(Bool.self, forKey: .inStock))
            item.name = try container.decodeIfPresent(String.self, forKey: .name)
            item.url = try container.decodeIfPresent(String.self, forKey: .url)
            items = [item]
        }
    }
}

package struct NotifyPriceDropOutput: Codable, Sendable, Equatable {
    /// Items in the event.
    package var items: Int
    /// Subscriptions the prices satisfied.
    package var fired: Int
    /// Notices written (a repeated event writes none).
    package var notices: Int
    /// Items older than the price their sku already has (`as_of`): nothing changed or fired for them.
    package var stale: Int

    package init(items: Int, fired: Int, notices: Int, stale: Int = 0) {
        self.items = items
        self.fired = fired
        self.notices = notices
        self.stale = stale
    }

    /// Adds a part's counts (a feed recorded in parts answers their sum).
    mutating func add(_ part: NotifyPriceDropOutput) {
        items += part.items
        fired += part.fired
        notices += part.notices
        stale += part.stale
    }
}
