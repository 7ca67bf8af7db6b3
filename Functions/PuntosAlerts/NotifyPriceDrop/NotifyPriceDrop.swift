import FoundationEssentials
import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// `notify-price-drop`: records a price feed and notifies every price subscription it satisfies.
package struct NotifyPriceDrop: FunctionHandler {
    package static let name = "notify-price-drop"
    package static let httpRoutes = ["POST /prices": "price"]
    /// Items in one event; a bigger feed is several events (the event size limit comes first anyway).
    static let maximumItems = 200_000

    package init() {}

    package func handle(_ event: NotifyPriceDropEvent, context: FunctionContext) throws -> NotifyPriceDropOutput {
        let programme = try Validate.programme(event.programme)
        let store = try Validate.text(event.store, field: "store", maxLength: 64)
        let currency = try Money.currency(event.currency, field: "currency")
        var feed = try Self.validate(event.items)
        feed.asOf = event.asOf
        let request = FeedRequest(programme: programme, store: store, currency: currency, feed: feed)
        return try Idempotency.run(
            database: context.database, programme: programme, scope: "notify-price-drop.price", key: event.idempotencyKey,
            request: request
        ) { connection in
            _ = try Programme.load(programme, from: connection)
            return try PriceDropStore(connection: connection, programme: programme).recordAndFire(
                feed, store: store, currency: currency, now: context.now)
        }
    }

    /// The feed as parallel arrays, checked item by item with the field named.
    struct Feed: Encodable {
        var skus: [String] = [], prices: [String] = [], inStock: [Bool?] = [], names: [String?] = [], urls: [String?] = []
        var asOf: Date?
    }

    /// What an idempotency key is checked against: the event as validated.
    struct FeedRequest: Encodable {
        var programme: String, store: String, currency: String, feed: Feed
    }

    static func validate(_ items: [NotifyPriceDropEvent.Item]) throws -> Feed {
        guard !items.isEmpty else { throw FunctionError.badInput(.invalidValue, field: "items", "items must not be empty") }
        guard items.count <= maximumItems else {
            throw FunctionError.badInput(.invalidValue, field: "items", "at most \(maximumItems) items in one event")
        }
        var feed = Feed()
        feed.skus.reserveCapacity(items.count)
        feed.prices.reserveCapacity(items.count)
        var seen = Set<String>(minimumCapacity: items.count)
        for (index, item) in items.enumerated() {
            let sku = try Validate.text(item.sku, field: "items[\(index)].sku", maxLength: 128)
            guard seen.insert(sku).inserted else {
                throw FunctionError.badInput(
                    .duplicateSKU, field: "items[\(index)].sku", "sku \(sku) appears twice in the feed")
            }
            feed.skus.append(sku)
            feed.prices.append(Money.text(try Money.validate(item.price.value, field: "items[\(index)].price")))
            feed.inStock.append(item.inStock)
            feed.names.append(try Validate.optionalText(item.name, field: "items[\(index)].name", maxLength: 200))
            feed.urls.append(try Validate.optionalText(item.url, field: "items[\(index)].url", maxLength: 2000))
        }
        return feed
    }
}
