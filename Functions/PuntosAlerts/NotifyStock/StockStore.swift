import FoundationEssentials
import PuntosCore
import PuntosPostgres

/// The SQL behind `notify-stock`, run inside the caller's transaction.
struct StockStore {
    let connection: PostgresConnection

    /// Records the event's stock levels; a change from not sellable to sellable opens a new restock.
    /// A scheduled wave stays scheduled through a flap, so flapping cannot speed the waves up. A level
    /// no newer than the sku's (`as_of`) is stale and changes nothing; an identical one rewrites nothing.
    func recordLevels(_ request: NotifyStock.StockRequest, now: Date) throws -> (restocked: Int, stale: Int) {
        let interval = request.waveSize.map { _ in "\(request.waveIntervalMinutes ?? 60) minutes" }
        let row = try connection.query(
            """
            WITH feed AS (
                SELECT f.sku, f.quantity, \(request.asOf)::timestamptz AS as_of,
                       (\(request.asOf)::timestamptz IS NOT NULL AND p.as_of IS NOT NULL AND \(request.asOf)::timestamptz <= p.as_of) AS stale
                FROM unnest(\(request.skus)::text[], \(request.quantities)::integer[]) AS f(sku, quantity)
                LEFT JOIN product_stock p ON p.programme_id = \(request.programme) AND p.store = \(request.store) AND p.sku = f.sku
            ), written AS (
                INSERT INTO product_stock AS p (programme_id, store, sku, quantity, sellable, restock_seq, restocked_at,
                                                wave_size, wave_interval, as_of, updated_at)
                SELECT \(request.programme), \(request.store), f.sku, f.quantity, f.quantity > 0, CASE WHEN f.quantity > 0 THEN 1 ELSE 0 END,
                       CASE WHEN f.quantity > 0 THEN \(now)::timestamptz END, \(request.waveSize), \(interval)::interval,
                       f.as_of, \(now)
                FROM feed f WHERE NOT f.stale
                ON CONFLICT (programme_id, store, sku) DO UPDATE SET
                    quantity = excluded.quantity, sellable = excluded.sellable,
                    restock_seq = p.restock_seq + CASE WHEN excluded.sellable AND NOT p.sellable THEN 1 ELSE 0 END,
                    restocked_at = CASE WHEN excluded.sellable AND NOT p.sellable THEN excluded.updated_at ELSE p.restocked_at END,
                    wave_size = coalesce(excluded.wave_size, p.wave_size), wave_interval = coalesce(excluded.wave_interval, p.wave_interval),
                    as_of = coalesce(excluded.as_of, p.as_of), updated_at = excluded.updated_at
                WHERE (excluded.as_of IS NULL OR p.as_of IS NULL OR excluded.as_of > p.as_of)
                  AND (p.quantity, p.wave_size, p.wave_interval, p.as_of)
                      IS DISTINCT FROM (excluded.quantity, coalesce(excluded.wave_size, p.wave_size),
                                        coalesce(excluded.wave_interval, p.wave_interval), coalesce(excluded.as_of, p.as_of))
                RETURNING restocked_at = updated_at AS restocked
            )
            SELECT (SELECT count(*) FROM written WHERE restocked) AS restocked,
                   (SELECT count(*) FROM feed WHERE stale) AS stale
            """
        ).one()
        return (try row.decode("restocked"), try row.decode("stale"))
    }

    /// One statement: the subscriptions of sellable skus (the event's, or those whose next wave is
    /// due) that `StockRule` fires, oldest first, at most a wave each; one notice per subscription and
    /// restock; the next wave scheduled while subscribers wait.
    func fire(programme: String?, store: String?, skus: [String], items: Int, restocked: Int, now: Date) throws
        -> NotifyStockOutput
    {
        let waves = programme == nil
        let cooldown = "\(Int(StockRule.cooldownSeconds)) seconds"
        let row = try connection.query(
            """
            WITH candidates AS (
                SELECT p.programme_id, p.store, p.sku, p.quantity, p.restock_seq, p.wave_size
                FROM product_stock p
                WHERE p.sellable AND CASE WHEN \(waves)::boolean THEN p.next_wave_at <= \(now)
                      ELSE p.programme_id = \(programme) AND p.store = \(store) AND p.sku = ANY(\(skus)::text[])
                           AND (p.next_wave_at IS NULL OR p.next_wave_at <= \(now)) END
                FOR UPDATE OF p
            ), eligible AS (
                SELECT s.id, s.programme_id, s.customer_id, s.email, s.channel, s.locale, s.store, s.sku, s.product_name, s.rearm,
                       c.quantity, c.restock_seq, c.wave_size,
                       row_number() OVER (PARTITION BY s.programme_id, s.store, s.sku ORDER BY s.created_at, s.id) AS position
                FROM candidates c
                JOIN alert_subscriptions s ON s.programme_id = c.programme_id AND s.store = c.store AND s.sku = c.sku
                     AND s.kind = 'stock' AND s.status = 'active'
                WHERE s.expires_at > \(now) AND c.quantity >= coalesce(s.min_quantity, 1)
                  AND (s.notified_restock IS NULL OR s.notified_restock < c.restock_seq)
                  AND (s.last_fired_at IS NULL OR s.last_fired_at <= \(now)::timestamptz - \(cooldown)::interval)
            ), chosen AS (
                SELECT * FROM eligible WHERE wave_size IS NULL OR position <= wave_size
            ), written AS (
                INSERT INTO notices (programme_id, customer_id, email, kind, dedupe_key, payload, locale, channel)
                SELECT c.programme_id, c.customer_id, c.email, 'back_in_stock', 'back_in_stock:' || c.id || ':' || c.restock_seq,
                       jsonb_strip_nulls(jsonb_build_object('subscription_id', c.id, 'sku', c.sku, 'product_name', c.product_name,
                                                            'store', c.store, 'quantity', c.quantity)),
                       c.locale, c.channel
                FROM chosen c
                ON CONFLICT (dedupe_key) DO NOTHING
                RETURNING 1
            ), fired AS (
                UPDATE alert_subscriptions s
                SET notified_restock = c.restock_seq, last_fired_at = \(now), fire_count = s.fire_count + 1,
                    status = CASE WHEN c.rearm = 'once' THEN 'fired' ELSE s.status END
                FROM chosen c WHERE s.id = c.id
                RETURNING 1
            ), scheduled AS (
                UPDATE product_stock p
                SET next_wave_at = CASE WHEN EXISTS (
                        SELECT 1 FROM eligible e WHERE e.programme_id = p.programme_id AND e.store = p.store AND e.sku = p.sku
                          AND e.position > e.wave_size) THEN \(now)::timestamptz + coalesce(p.wave_interval, interval '1 hour') END
                FROM candidates c
                WHERE c.wave_size IS NOT NULL AND p.programme_id = c.programme_id AND p.store = c.store AND p.sku = c.sku
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM fired) AS fired, (SELECT count(*) FROM written) AS notices,
                   (SELECT count(*) FROM eligible) - (SELECT count(*) FROM chosen) AS waiting,
                   (SELECT count(*) FROM scheduled) AS scheduled
            """
        ).one()
        return NotifyStockOutput(
            items: items, restocked: restocked, fired: try row.decode("fired"),
            notices: try row.decode("notices"), waiting: try row.decode("waiting"))
    }
}
