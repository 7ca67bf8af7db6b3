package import FoundationEssentials
import PuntosCore
import PuntosRuntime

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

/// What a return takes back, decided before any SQL runs: pending first (the invoice's own lot,
/// then other pending lots), then available (the invoice's lot, then soonest-expiring), then the
/// programme's policy for the rest: a negative balance, or left uncollected.
package struct ReturnPlan: Sendable, Equatable {
    package var fromPending: [LotDraw] = []
    package var fromAvailable: [LotDraw] = []
    /// Taken from the available balance beyond the lots (allowed only where balances may go negative).
    package var negative: Int64 = 0
    /// Not taken back because the balance may not go below zero.
    package var uncollected: Int64 = 0

    package var pendingPoints: Int64 { -fromPending.reduce(0) { $0 + $1.points } }
    package var availablePoints: Int64 { -fromAvailable.reduce(0) { $0 + $1.points } + negative }

    package init() {}

    package static func make(
        points: Int64, ownLotId: Int64?, pending: [SpendableLot], available: [SpendableLot],
        allowNegative: Bool
    ) -> ReturnPlan {
        var plan = ReturnPlan()
        func ownFirst(_ lots: [SpendableLot]) -> [SpendableLot] {
            let ordered = LotPlan.spendingOrder(lots)
            return ordered.filter { $0.id == ownLotId } + ordered.filter { $0.id != ownLotId }
        }
        let pendingTake = LotPlan.take(points, from: ownFirst(pending), ordered: true)
        plan.fromPending = pendingTake.draws
        let availableTake = LotPlan.take(pendingTake.shortfall, from: ownFirst(available), ordered: true)
        plan.fromAvailable = availableTake.draws
        if allowNegative { plan.negative = availableTake.shortfall } else { plan.uncollected = availableTake.shortfall }
        return plan
    }

    /// Points a return of `returnedAfter` units (of which `returnedBefore` were returned already)
    /// takes back from a line that earned `points` on `quantity` units: all of it once all come back.
    package static func linePoints(points: Int64, quantity: Int, returnedBefore: Int, returnedAfter: Int) -> Int64 {
        guard quantity > 0 else { return 0 }
        func share(_ units: Int) -> Int64 { points * Int64(units) / Int64(quantity) }
        return share(returnedAfter) - share(returnedBefore)
    }
}

/// Which units of an invoice's lines a return brings back, checked against what came back before.
package enum LineReturn {
    /// The units not yet returned of the lines that carry `order`'s number (a cancelled online order
    /// on an invoice that also has other orders' lines).
    package static func unreturned(_ lines: [StoredLine], order: String) -> [(line: Int, quantity: Int)] {
        lines.indices.filter { lines[$0].line.orderNumber == order }
            .map { ($0, lines[$0].line.quantity - lines[$0].returned) }.filter { $0.1 > 0 }
    }

    /// Marks `requested` (line index, units) returned, or every unit not yet returned without it,
    /// and answers the points those units earned. A line the invoice lacks, or more units than are
    /// left, is refused naming `lines[n]`.
    package static func mark(_ lines: inout [StoredLine], requested: [(line: Int, quantity: Int)]?) throws -> Int64 {
        let wanted =
            requested
            ?? lines.indices.map { ($0, lines[$0].line.quantity - lines[$0].returned) }.filter { $0.1 > 0 }
        var points: Int64 = 0
        for (index, (line, quantity)) in wanted.enumerated() {
            guard lines.indices.contains(line) else {
                throw FunctionError.badInput(.invalidValue, field: "lines[\(index)].line", "the invoice has no line \(line)")
            }
            let units = lines[line].line.quantity
            let left = units - lines[line].returned
            guard quantity >= 1, quantity <= left else {
                throw FunctionError.badInput(
                    .invalidValue, field: "lines[\(index)].quantity",
                    "quantity must be 1 to \(left), the units of line \(line) not yet returned")
            }
            points += ReturnPlan.linePoints(
                points: lines[line].points, quantity: units,
                returnedBefore: lines[line].returned, returnedAfter: lines[line].returned + quantity)
            lines[line].returned += quantity
        }
        return points
    }
}
