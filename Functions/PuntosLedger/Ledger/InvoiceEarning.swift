package import FoundationEssentials
import PuntosCore

/// What an invoice's points are rounded on (`programmes.rounding_basis`): its total, or each line.
package enum RoundingBasis: String, Codable, Sendable, CaseIterable {
    /// The exact points of the lines are summed and rounded once ($150.99 + $49.99 earn 200).
    case invoice
    /// Each line is rounded on its own ($150.99 + $49.99 earn 150 + 49 = 199).
    case line
}

/// What an invoice (or a forecast's cart) earns: the total, and each line's share of it.
package struct InvoiceEarning: Sendable, Equatable {
    package var points: Int64
    package var lines: [LineEarning]
}

extension EarningRules {
    /// What the lines earn together, each in its own channel (a line in a channel the programme does
    /// not accrue in earns nothing, `channel_disabled`). On the `invoice` basis the total is the
    /// exact sum rounded once, and each line's share is what it adds to the rounded running total,
    /// so the shares add up to the total and returning every line takes back exactly what was earned.
    package func earn(_ lines: [InvoiceLine], segment: String?, channels: [String]) -> InvoiceEarning {
        var exactSoFar: Decimal = 0
        var roundedSoFar: Int64 = 0
        let earnings = lines.map { line -> LineEarning in
            let channel = line.channel ?? "offline"
            guard channels.contains(channel) else {
                return LineEarning(points: 0, promotions: [], channel: channel, reason: "channel_disabled")
            }
            let exact = exactPoints(line, segment: segment, channel: channel)
            switch roundingBasis {
            case .line:
                return LineEarning(points: rounding.points(exact.points), promotions: exact.promotions, channel: channel)
            case .invoice:
                exactSoFar += exact.points
                let share = rounding.points(exactSoFar) - roundedSoFar
                roundedSoFar += share
                return LineEarning(points: share, promotions: exact.promotions, channel: channel)
            }
        }
        return InvoiceEarning(points: earnings.reduce(0) { $0 + $1.points }, lines: earnings)
    }
}
