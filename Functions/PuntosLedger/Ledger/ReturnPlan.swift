package import PuntosCore
import PuntosRuntime

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
