import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

extension SubscriptionStore {
    /// What a new subscription starts from: the baseline price, or the restock already known.
    struct Start {
        var baseline: Decimal?
        var knownRestock: Int?
    }

    /// Creates the subscriber's live subscription for the sku, or updates the one they have: a
    /// customer's is active at once, a guest's pending until confirmed.
    func upsert(
        _ terms: Subscribe.Terms, kind: SubscriptionKind, subscriber: Subscriber, start: Start, now: Date, expiresAt: Date
    ) throws -> SubscriptionView {
        let status: SubscriptionStatus = subscriber.isGuest ? .pending : .active
        let confirmedAt = subscriber.isGuest ? nil : now
        let row = try connection.query(
            """
            INSERT INTO alert_subscriptions (programme_id, customer_id, email, kind, store, sku, currency, product_name,
                target_price, min_drop_percent, min_drop_amount, baseline_price, min_quantity, notified_restock, rearm,
                channel, locale, status, created_at, confirmed_at, expires_at)
            VALUES (\(programme), \(subscriber.customerId), \(subscriber.email), \(kind), \(terms.store), \(terms.sku),
                \(terms.currency), \(terms.productName), \(terms.rule.targetPrice)::numeric, \(terms.rule.minDropPercent)::numeric,
                \(terms.rule.minDropAmount)::numeric, \(start.baseline)::numeric, \(terms.minQuantity), \(start.knownRestock),
                \(terms.rearm), \(terms.channel), \(terms.locale), \(status), \(now), \(confirmedAt), \(expiresAt))
            ON CONFLICT (programme_id, subscriber, sku, kind, store) WHERE status IN ('pending', 'active') DO UPDATE SET
                currency = excluded.currency, product_name = coalesce(excluded.product_name, alert_subscriptions.product_name),
                target_price = excluded.target_price, min_drop_percent = excluded.min_drop_percent,
                min_drop_amount = excluded.min_drop_amount, baseline_price = excluded.baseline_price,
                min_quantity = excluded.min_quantity, rearm = excluded.rearm, channel = excluded.channel,
                locale = coalesce(excluded.locale, alert_subscriptions.locale), expires_at = excluded.expires_at
            RETURNING *
            """
        ).one()
        return try SubscriptionView(row: row)
    }

    /// Queues a guest's confirmation link (once per subscription) as an `alert_confirm` notice by e-mail.
    func queueConfirmation(subscriptionId: Int64, payload: [String: JSONValue], locale: String?) throws {
        let json = JSONText(String(decoding: try JSONCoding.encode(JSONValue.object(payload)), as: UTF8.self))
        try connection.query(
            """
            INSERT INTO notices (programme_id, email, kind, dedupe_key, payload, locale, channel)
            SELECT programme_id, email, 'alert_confirm', 'alert_confirm:' || id, \(json)::jsonb, \(locale), 'email'
            FROM alert_subscriptions WHERE id = \(subscriptionId)
            ON CONFLICT (dedupe_key) DO NOTHING
            """)
    }
}
