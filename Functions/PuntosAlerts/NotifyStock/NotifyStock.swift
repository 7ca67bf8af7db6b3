import FoundationEssentials
import PuntosCore
import PuntosPostgres
public import PuntosRuntime

/// `notify-stock`: records stock levels and notifies stock subscribers once per restock.
public struct NotifyStock: FunctionHandler {
    public static let name = "notify-stock"
    public static let httpRoutes = ["POST /stock": "stock"]
    public static let scheduledEventKind: String? = "waves"
    public static let maximumItems = 200_000

    public init() {}

    public func handle(_ event: NotifyStockEvent, context: FunctionContext) throws -> NotifyStockOutput {
        switch event {
        case .stock(let stock): try record(stock, context)
        case .waves:
            try context.database.withTransaction { connection in
                try Self.fire(programme: nil, store: nil, skus: [], items: 0, restocked: 0, now: context.now, connection)
            }
        }
    }

    private func record(_ event: NotifyStockEvent.Stock, _ context: FunctionContext) throws -> NotifyStockOutput {
        let programme = try Validate.programme(event.programme)
        let store = try Validate.text(event.store, field: "store", maxLength: 64)
        guard !event.items.isEmpty else {
            throw FunctionError.badInput(.invalidValue, field: "items", "items must not be empty")
        }
        guard event.items.count <= Self.maximumItems else {
            throw FunctionError.badInput(.invalidValue, field: "items", "at most \(Self.maximumItems) items in one event")
        }
        if let waveSize = event.waveSize, !(1...1_000_000).contains(waveSize) {
            throw FunctionError.badInput(.invalidValue, field: "wave_size", "wave_size must be 1 to 1000000")
        }
        if let minutes = event.waveIntervalMinutes {
            guard (1...10_080).contains(minutes) else {
                throw FunctionError.badInput(
                    .invalidValue, field: "wave_interval_minutes", "wave_interval_minutes must be 1 to 10080")
            }
            guard event.waveSize != nil else {
                throw FunctionError.badInput(
                    .invalidValue, field: "wave_interval_minutes", "wave_interval_minutes needs wave_size")
            }
        }
        var skus: [String] = [], quantities: [Int] = []
        var seen = Set<String>()
        for (index, item) in event.items.enumerated() {
            let sku = try Validate.text(item.sku, field: "items[\(index)].sku", maxLength: 128)
            guard seen.insert(sku).inserted else {
                throw FunctionError.badInput(
                    .duplicateSKU, field: "items[\(index)].sku", "sku \(sku) appears twice in the event")
            }
            guard (-1_000_000_000...1_000_000_000).contains(item.quantity) else {
                throw FunctionError.badInput(.invalidValue, field: "items[\(index)].quantity", "quantity is out of range")
            }
            skus.append(sku)
            quantities.append(item.quantity)
        }
        let interval = event.waveSize.map { _ in "\(event.waveIntervalMinutes ?? 60) minutes" }
        let request = StockRequest(
            programme: programme, store: store, skus: skus, quantities: quantities, waveSize: event.waveSize,
            waveIntervalMinutes: event.waveIntervalMinutes, asOf: event.asOf)
        return try Idempotency.run(
            database: context.database, programme: programme, scope: "notify-stock.stock", key: event.idempotencyKey,
            request: request
        ) { connection in
            _ = try Programme.load(programme, from: connection)
            // The new levels; a change from not sellable to sellable opens a new restock. A scheduled wave
            // stays scheduled through a flap, so flapping cannot speed the waves up. A level no newer
            // than the sku's (`as_of`) is stale and changes nothing; an identical one rewrites nothing.
            let recorded = try connection.query(
                """
                WITH feed AS (
                    SELECT f.sku, f.quantity, \(event.asOf)::timestamptz AS as_of,
                           (\(event.asOf)::timestamptz IS NOT NULL AND p.as_of IS NOT NULL AND \(event.asOf)::timestamptz <= p.as_of) AS stale
                    FROM unnest(\(skus)::text[], \(quantities)::integer[]) AS f(sku, quantity)
                    LEFT JOIN product_stock p ON p.programme_id = \(programme) AND p.store = \(store) AND p.sku = f.sku
                ), written AS (
                    INSERT INTO product_stock AS p (programme_id, store, sku, quantity, sellable, restock_seq, restocked_at,
                                                    wave_size, wave_interval, as_of, updated_at)
                    SELECT \(programme), \(store), f.sku, f.quantity, f.quantity > 0, CASE WHEN f.quantity > 0 THEN 1 ELSE 0 END,
                           CASE WHEN f.quantity > 0 THEN \(context.now)::timestamptz END, \(event.waveSize), \(interval)::interval,
                           f.as_of, \(context.now)
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
            var output = try Self.fire(
                programme: programme, store: store, skus: skus, items: skus.count,
                restocked: try recorded.decode("restocked"), now: context.now, connection)
            output.stale = try recorded.decode("stale")
            return output
        }
    }

    /// What an idempotency key is checked against: the event as validated.
    struct StockRequest: Encodable {
        var programme: String, store: String, skus: [String], quantities: [Int]
        var waveSize: Int?, waveIntervalMinutes: Int?, asOf: Date?
    }

    /// One statement: the subscriptions of sellable skus (the event's, or those whose next wave is
    /// due) that `StockRule` fires, oldest first, at most a wave each; one notice per subscription and
    /// restock; the next wave scheduled while subscribers wait.
    static func fire(
        programme: String?, store: String?, skus: [String], items: Int, restocked: Int, now: Date,
        _ connection: PostgresConnection
    ) throws -> NotifyStockOutput {
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
