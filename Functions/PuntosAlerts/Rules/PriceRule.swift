package import FoundationEssentials
import PuntosCore

/// When a price subscription fires: the decision `notify-price-drop`'s SQL makes for thousands of rows
/// at once, spelt out for one so it can be tested without a database. The SQL in `PriceDropStore`
/// must say the same thing.
package struct PriceRule: Sendable, Equatable {
    /// Fire at or below this price.
    package var targetPrice: Decimal?
    /// Fire on a drop of at least this many percent against the baseline.
    package var minDropPercent: Decimal?
    /// Fire on a drop of at least this amount against the baseline.
    package var minDropAmount: Decimal?

    package init(targetPrice: Decimal? = nil, minDropPercent: Decimal? = nil, minDropAmount: Decimal? = nil) {
        self.targetPrice = targetPrice
        self.minDropPercent = minDropPercent
        self.minDropAmount = minDropAmount
    }

    /// Whether a new price fires a subscription whose baseline (the price when subscribed, then the
    /// price last notified) is `baseline`. Every condition given must hold; the price must be below the
    /// baseline, so a subscription fires again only on a further drop; only items in stock fire.
    package func fires(newPrice: Decimal, baseline: Decimal?, inStock: Bool) -> Bool {
        guard inStock else { return false }
        if let baseline, newPrice >= baseline { return false }
        if let targetPrice, newPrice > targetPrice { return false }
        if let minDropAmount {
            guard let baseline, baseline - newPrice >= minDropAmount else { return false }
        }
        if let minDropPercent {
            guard let baseline, (baseline - newPrice) * 100 >= minDropPercent * baseline else { return false }
        }
        return targetPrice != nil || minDropAmount != nil || minDropPercent != nil
    }
}

/// What a price subscription does after it fired.
package enum RearmPolicy: String, Sendable, Codable, CaseIterable {
    /// Price alerts, by default: the baseline becomes the notified price; fires again on a further drop.
    case furtherDrop = "further_drop"
    /// Stock alerts, by default: fires on a later restock too (not within `StockRule.cooldown`).
    case everyRestock = "every_restock"
    /// Fires once and is done.
    case once
}

/// When a stock subscription fires: the item is sellable with at least `minQuantity`, in a restock
/// the subscriber has not been told of yet. Mirrors the SQL in `StockStore`.
package struct StockRule: Sendable, Equatable {
    /// A subscription that fires on every restock still waits this long between two notices, so
    /// that a stock level flapping around zero sends nothing twice.
    package static let cooldownSeconds: Double = 24 * 3600

    package var minQuantity: Int

    package init(minQuantity: Int? = nil) { self.minQuantity = minQuantity ?? 1 }

    package func fires(quantity: Int, restockSeq: Int, notifiedRestock: Int?, lastFiredAt: Date?, now: Date) -> Bool {
        guard quantity >= minQuantity else { return false }
        if let notifiedRestock, notifiedRestock >= restockSeq { return false }
        if let lastFiredAt, now.timeIntervalSince(lastFiredAt) < Self.cooldownSeconds { return false }
        return true
    }

    /// Sellable means at least one in stock.
    package static func isSellable(quantity: Int) -> Bool { quantity > 0 }
}
