package import FoundationEssentials
import PuntosCore

/// How points are rounded from an exact decimal to a whole number.
package enum Rounding: String, Codable, Sendable {
    case down, halfUp = "half_up", up

    /// Rounds a non-negative decimal to a whole number of points, exactly (no Double on the way).
    package func points(_ value: Decimal) -> Int64 {
        guard value > 0 else { return 0 }
        let text = value.description
        let parts = text.split(separator: ".", maxSplits: 1)
        let whole = Int64(parts[0]) ?? 0
        guard parts.count == 2, parts[1].contains(where: { $0 != "0" }) else { return whole }
        switch self {
        case .down: return whole
        case .up: return whole + 1
        case .halfUp: return parts[1].first! >= "5" ? whole + 1 : whole
        }
    }
}

/// A dated promotion in force: multiply or add points for a sku, brand, category, segment or channel.
package struct Promotion: Codable, Sendable, Equatable {
    package var code: String
    package var target: String
    package var value: String
    package var multiplier: Decimal
    package var bonusPerUnit: Decimal

    package init(code: String, target: String, value: String, multiplier: Decimal = 1, bonusPerUnit: Decimal = 0) {
        self.code = code
        self.target = target
        self.value = value
        self.multiplier = multiplier
        self.bonusPerUnit = bonusPerUnit
    }

    enum CodingKeys: String, CodingKey {
        case code, target, value, multiplier, bonusPerUnit = "bonus_per_unit"
    }
}

/// What one line earns and which promotions made it so.
package struct LineEarning: Codable, Sendable, Equatable {
    package var points: Int64
    package var promotions: [String]
    /// The line's channel, as an invoice's or a forecast's lines report it.
    package var channel: String?
    /// Why the line earns nothing: `channel_disabled` (the programme does not accrue in its channel).
    package var reason: String?

    package init(points: Int64, promotions: [String], channel: String? = nil, reason: String? = nil) {
        self.points = points
        self.promotions = promotions
        self.channel = channel
        self.reason = reason
    }
}

/// The earning rules in force for one invoice: the programme's rate and rounding, and the
/// promotions dated to cover the invoice. `accrue` and the forecast in `balance` both use this.
package struct EarningRules: Codable, Sendable, Equatable {
    package var pointsPerUnit: Decimal
    package var rounding: Rounding
    /// Whether an invoice rounds once (the sum of its lines' exact points) or each line.
    package var roundingBasis: RoundingBasis
    package var promotions: [Promotion]
    /// The member's tier when it multiplies accrual (Tiers/TierPolicy): it multiplies each line's exact
    /// points, before rounding. Recorded on the entry's rule as `earning.tier`.
    package var tier: AppliedTier? = nil

    package init(
        pointsPerUnit: Decimal, rounding: Rounding, roundingBasis: RoundingBasis = .invoice, promotions: [Promotion] = []
    ) {
        self.pointsPerUnit = pointsPerUnit
        self.rounding = rounding
        self.roundingBasis = roundingBasis
        self.promotions = promotions
    }

    enum CodingKeys: String, CodingKey {
        case rounding, promotions, tier, pointsPerUnit = "points_per_unit", roundingBasis = "rounding_basis"
    }

    /// Points for a line on its own: its exact points (`exactPoints`) rounded.
    package func earn(_ line: InvoiceLine, segment: String?, channel: String) -> LineEarning {
        let exact = exactPoints(line, segment: segment, channel: channel)
        return LineEarning(points: rounding.points(exact.points), promotions: exact.promotions)
    }

    /// A line's exact points, not rounded: ((amount − paid with points) × rate × multipliers + bonus × quantity) × tier.
    func exactPoints(_ line: InvoiceLine, segment: String?, channel: String) -> (points: Decimal, promotions: [String]) {
        let earning = line.earningAmount
        var multiplier: Decimal = 1
        var bonus: Decimal = 0
        var applied: [String] = []
        for promotion in promotions where matches(promotion, line, segment: segment, channel: channel) {
            multiplier *= promotion.multiplier
            bonus += promotion.bonusPerUnit * Decimal(line.quantity)
            applied.append(promotion.code)
        }
        // No bonus on a line paid entirely with points.
        if earning == 0 { bonus = 0 }
        return ((earning * pointsPerUnit * multiplier + bonus) * (tier?.multiplier ?? 1), applied)
    }

    private func matches(_ promotion: Promotion, _ line: InvoiceLine, segment: String?, channel: String) -> Bool {
        switch promotion.target {
        case "sku": line.sku == promotion.value
        case "brand": line.brand == promotion.value
        case "category": line.category == promotion.value
        case "segment": segment == promotion.value
        case "channel": channel == promotion.value
        default: false
        }
    }
}
