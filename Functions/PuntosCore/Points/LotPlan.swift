package import FoundationEssentials

/// A lot with points left to spend.
package struct SpendableLot: Sendable, Equatable {
    package var id: Int64
    package var remaining: Int64
    package var expiresAt: Date?

    package init(id: Int64, remaining: Int64, expiresAt: Date?) {
        self.id = id
        self.remaining = remaining
        self.expiresAt = expiresAt
    }
}

/// Points taken from (negative) or given back to (positive) one lot.
package struct LotDraw: Sendable, Equatable {
    package var lotId: Int64
    package var points: Int64

    package init(lotId: Int64, points: Int64) {
        self.lotId = lotId
        self.points = points
    }
}

package enum LotPlan {
    /// The order lots are spent in: soonest expiry first, never-expiring last, then oldest.
    package static func spendingOrder(_ lots: [SpendableLot]) -> [SpendableLot] {
        lots.sorted { a, b in
            switch (a.expiresAt, b.expiresAt) {
            case let (x?, y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a.id < b.id
            }
        }
    }

    /// Takes `points` from the lots, soonest-expiring first. Returns the draws (negative) and what
    /// could not be covered.
    package static func take(_ points: Int64, from lots: [SpendableLot], ordered: Bool = false) -> (
        draws: [LotDraw], shortfall: Int64
    ) {
        var left = points
        var draws: [LotDraw] = []
        for lot in ordered ? lots : spendingOrder(lots) where left > 0 && lot.remaining > 0 {
            let taken = min(left, lot.remaining)
            draws.append(LotDraw(lotId: lot.id, points: -taken))
            left -= taken
        }
        return (draws, left)
    }

    /// Points given back to lots while the balance is below zero first pay the debt: the lots get
    /// only what lifts the balance above zero, so available stays the sum of the active lots.
    package static func payingDebt(_ draws: [LotDraw], credit: Int64, balance: Int64) -> [LotDraw] {
        guard credit > 0, balance < 0 else { return draws }
        var debt = min(credit, -balance)
        var paid = draws
        for index in paid.indices where debt > 0 && paid[index].points > 0 {
            let cut = min(debt, paid[index].points)
            paid[index].points -= cut
            debt -= cut
        }
        return paid
    }

    /// Gives `points` of a hold back to the lots it drew from, latest-expiring first, so that what
    /// stays spent is the soonest-expiring. `drawn` holds the hold's draws as positive amounts.
    package static func giveBack(_ points: Int64, drawn: [SpendableLot]) -> [LotDraw] {
        var left = points
        var draws: [LotDraw] = []
        for lot in spendingOrder(drawn).reversed() where left > 0 && lot.remaining > 0 {
            let given = min(left, lot.remaining)
            draws.append(LotDraw(lotId: lot.id, points: given))
            left -= given
        }
        return draws
    }
}
