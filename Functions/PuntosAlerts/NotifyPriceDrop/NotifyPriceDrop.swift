import FoundationEssentials
import PuntosCore
import PuntosPostgres
public import PuntosRuntime

/// `notify-price-drop`: records a price feed and notifies every price subscription it satisfies.
public struct NotifyPriceDrop: FunctionHandler {
    public static let name = "notify-price-drop"
    public static let httpRoutes = ["POST /prices": "price"]
    /// Items in one event; a bigger feed is several events (the event size limit comes first anyway).
    public static let maximumItems = 200_000

    public init() {}

    public func handle(_ event: NotifyPriceDropEvent, context: FunctionContext) throws -> NotifyPriceDropOutput {
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
            return try Self.fire(feed, programme: programme, store: store, currency: currency, now: context.now, connection)
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

    /// One statement: records the prices, finds every satisfied subscription (same store and
    /// currency, in stock, not expired; the rule of `PriceRule`), writes one notice each (a dedupe key
    /// per subscription and price), and makes the new price the baseline.
    static func fire(
        _ feed: Feed, programme: String, store: String, currency: String, now: Date,
        _ connection: PostgresConnection
    ) throws -> NotifyPriceDropOutput {
        let row = try connection.query(
            """
            WITH given AS (
                SELECT f.sku, f.price, coalesce(f.in_stock, st.sellable, true) AS in_stock, f.name, f.url,
                       (\(feed.asOf)::timestamptz IS NOT NULL AND pp.as_of IS NOT NULL
                        AND \(feed.asOf)::timestamptz <= pp.as_of) AS stale
                FROM unnest(\(feed.skus)::text[], \(feed.prices)::numeric[], \(feed.inStock)::boolean[],
                            \(feed.names)::text[], \(feed.urls)::text[]) AS f(sku, price, in_stock, name, url)
                LEFT JOIN product_stock st ON st.programme_id = \(programme) AND st.store = \(store) AND st.sku = f.sku
                LEFT JOIN product_prices pp ON pp.programme_id = \(programme) AND pp.store = \(store) AND pp.sku = f.sku
                     AND pp.currency = \(currency)
            ), feed AS (
                SELECT * FROM given WHERE NOT stale
            ), recorded AS (
                INSERT INTO product_prices AS p (programme_id, store, sku, currency, price, in_stock, as_of, updated_at)
                SELECT \(programme), \(store), sku, \(currency), price, in_stock, \(feed.asOf)::timestamptz, \(now) FROM feed
                ON CONFLICT (programme_id, store, sku, currency) DO UPDATE
                    SET price = excluded.price, in_stock = excluded.in_stock, as_of = coalesce(excluded.as_of, p.as_of),
                        updated_at = excluded.updated_at
                    WHERE (excluded.as_of IS NULL OR p.as_of IS NULL OR excluded.as_of > p.as_of)
                      AND (p.price, p.in_stock, p.as_of) IS DISTINCT FROM (excluded.price, excluded.in_stock, coalesce(excluded.as_of, p.as_of))
            ), fired AS (
                -- One pass: the UPDATE finds, locks and re-arms (re-checking its conditions against a row
                -- that a concurrent feed changed meanwhile); SET sees the old baseline, kept for the notice.
                UPDATE alert_subscriptions s
                SET previous_baseline = s.baseline_price, baseline_price = f.price, last_fired_at = \(now),
                    fire_count = s.fire_count + 1, status = CASE WHEN s.rearm = 'once' THEN 'fired' ELSE s.status END
                FROM feed f
                WHERE s.programme_id = \(programme) AND s.store = \(store) AND s.sku = f.sku AND s.currency = \(currency)
                  AND s.kind = 'price' AND s.status = 'active'
                  AND f.in_stock AND s.expires_at > \(now)
                  AND (s.baseline_price IS NULL OR f.price < s.baseline_price)
                  AND (s.target_price IS NULL OR f.price <= s.target_price)
                  AND (s.min_drop_amount IS NULL OR s.baseline_price - f.price >= s.min_drop_amount)
                  AND (s.min_drop_percent IS NULL OR (s.baseline_price - f.price) * 100 >= s.min_drop_percent * s.baseline_price)
                RETURNING s.id, s.customer_id, s.email, s.channel, s.locale, s.sku, s.previous_baseline, s.target_price,
                          coalesce(f.name, s.product_name) AS product_name, f.url, trim_scale(f.price) AS price
            ), written AS (
                INSERT INTO notices (programme_id, customer_id, email, kind, dedupe_key, payload, locale, channel)
                SELECT \(programme), m.customer_id, m.email, 'price_drop', 'price_drop:' || m.id || ':' || m.price,
                       jsonb_strip_nulls(jsonb_build_object(
                           'subscription_id', m.id, 'sku', m.sku, 'product_name', m.product_name, 'url', m.url,
                           'store', \(store)::text, 'currency', \(currency)::text, 'old_price', trim_scale(m.previous_baseline)::text,
                           'new_price', m.price::text, 'target_price', trim_scale(m.target_price)::text)),
                       m.locale, m.channel
                FROM fired m
                ON CONFLICT (dedupe_key) DO NOTHING
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM given) AS items, (SELECT count(*) FROM fired) AS fired,
                   (SELECT count(*) FROM written) AS notices, (SELECT count(*) FROM given WHERE stale) AS stale
            """
        ).one()
        return NotifyPriceDropOutput(
            items: try row.decode("items"), fired: try row.decode("fired"), notices: try row.decode("notices"),
            stale: try row.decode("stale"))
    }
}
