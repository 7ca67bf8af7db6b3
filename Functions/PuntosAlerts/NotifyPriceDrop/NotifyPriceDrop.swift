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
    /// Skus per transaction (`PUNTOS_PRICE_FEED_CHUNK`, default 2,000): a big feed commits in parts,
    /// so its first notices are deliverable while the rest is written and no statement runs long.
    package static let defaultChunkSize =
        ProcessInfo.processInfo.environment["PUNTOS_PRICE_FEED_CHUNK"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? 2_000

    let chunkSize: Int

    package init(chunkSize: Int = NotifyPriceDrop.defaultChunkSize) { self.chunkSize = max(1, chunkSize) }

    package func handle(_ event: NotifyPriceDropEvent, context: FunctionContext) throws -> NotifyPriceDropOutput {
        let programme = try Validate.programme(event.programme)
        let store = try Validate.text(event.store, field: "store", maxLength: 64)
        let currency = try Money.currency(event.currency, field: "currency")
        var feed = try Self.validate(event.items)
        feed.asOf = event.asOf
        let request = FeedRequest(programme: programme, store: store, currency: currency, feed: feed)
        /// Records `part` of the feed and fires what it satisfies, in one transaction, once per key. The
        /// first part answers under the key's own scope, so that any two events under one key meet there.
        func record(_ part: Feed, number: Int, request: some Encodable) throws -> NotifyPriceDropOutput {
            let scope = number == 1 ? "notify-price-drop.price" : "notify-price-drop.price.part-\(number)"
            return try Idempotency.run(
                database: context.database, programme: programme, scope: scope, key: event.idempotencyKey, request: request
            ) { connection in
                _ = try Programme.load(programme, from: connection)
                return try PriceDropStore(connection: connection, programme: programme).recordAndFire(
                    part, store: store, currency: currency, now: context.now)
            }
        }
        guard feed.skus.count > chunkSize else { return try record(feed, number: 1, request: request) }
        // A part at a time, each its own transaction, and each idempotent on its own (under the event's
        // key, a scope per part): a delivery that failed half-way is finished by the next one, whose
        // answer is the whole feed's, as if nothing had failed. Every part's request names the whole
        // feed by its digest, so the key's first part refuses another feed before anything is written.
        let digest = SHA256Digest.hash(try JSONCoding.encode(request)).hexString
        let parts = feed.parts(of: chunkSize)
        var total = NotifyPriceDropOutput(items: 0, fired: 0, notices: 0)
        for (index, part) in parts.enumerated() {
            let partRequest = PartRequest(
                programme: programme, store: store, currency: currency, feedSHA256: digest, part: index + 1,
                parts: parts.count)
            total.add(try record(part, number: index + 1, request: partRequest))
        }
        return total
    }

    /// The feed as parallel arrays, checked item by item with the field named.
    struct Feed: Encodable {
        var skus: [String] = [], prices: [String] = [], inStock: [Bool?] = [], names: [String?] = [], urls: [String?] = []
        var asOf: Date?

        /// The feed in parts of at most `size` skus, in its order.
        func parts(of size: Int) -> [Feed] {
            stride(from: 0, to: skus.count, by: size).map { start in
                let range = start..<min(start + size, skus.count)
                return Feed(
                    skus: Array(skus[range]), prices: Array(prices[range]), inStock: Array(inStock[range]),
                    names: Array(names[range]), urls: Array(urls[range]), asOf: asOf)
            }
        }
    }

    /// What an idempotency key is checked against: the event as validated.
    struct FeedRequest: Encodable {
        var programme: String, store: String, currency: String, feed: Feed
    }

    /// What a part of a feed in several parts is checked against: the whole feed (its digest) and which part.
    struct PartRequest: Encodable {
        var programme: String, store: String, currency: String, feedSHA256: String, part: Int, parts: Int
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
