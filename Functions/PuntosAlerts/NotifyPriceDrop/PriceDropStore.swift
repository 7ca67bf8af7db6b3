import FoundationEssentials
import PuntosCore
import PuntosPostgres

/// The SQL behind `notify-price-drop` for one programme, run inside the caller's transaction.
struct PriceDropStore {
    let connection: PostgresConnection
    let programme: String

    /// One statement: records the prices, finds every satisfied subscription (same store and
    /// currency, in stock, not expired; the rule of `PriceRule`), writes one notice each (a dedupe key
    /// per subscription and price), and makes the new price the baseline. In `fired`, one pass: the
    /// UPDATE finds, locks and re-arms (re-checking its conditions against a row that a concurrent feed
    /// changed meanwhile); SET sees the old baseline, kept for the notice.
    func recordAndFire(_ feed: NotifyPriceDrop.Feed, store: String, currency: String, now: Date) throws
        -> NotifyPriceDropOutput
    {
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
