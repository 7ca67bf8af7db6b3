import FoundationEssentials
import PuntosCore
import PuntosPostgres

extension SubscriptionView {
    /// A whole row of `alert_subscriptions`, as the API shows it.
    init(row: PostgresRow) throws {
        self.init(
            id: try row.decode("id"), kind: try row.decode("kind"), status: try row.decode("status"),
            store: try row.decode("store"), sku: try row.decode("sku"), productName: try row.decodeIfPresent("product_name"),
            currency: try row.decodeIfPresent("currency"),
            targetPrice: try row.decodeIfPresent("target_price", as: String.self).map(Money.display),
            minDropPercent: try row.decodeIfPresent("min_drop_percent"),
            minDropAmount: try row.decodeIfPresent("min_drop_amount", as: String.self).map(Money.display),
            baselinePrice: try row.decodeIfPresent("baseline_price", as: String.self).map(Money.display),
            minQuantity: try row.decodeIfPresent("min_quantity"),
            rearm: try row.decode("rearm"), channel: try row.decodeIfPresent("channel"), createdAt: try row.decode("created_at"),
            confirmedAt: try row.decodeIfPresent("confirmed_at"), expiresAt: try row.decode("expires_at"),
            lastFiredAt: try row.decodeIfPresent("last_fired_at"), fireCount: try row.decode("fire_count"))
    }
}
