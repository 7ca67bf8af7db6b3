package import FoundationEssentials
import PuntosCore
package import PuntosRuntime

/// The checks on a `configure` event, before anything is read or written, each naming its field.
package enum SettingsValidation {
    private static func bad(_ field: String, _ message: String) -> FunctionError {
        .badInput(.invalidValue, field: field, message)
    }

    /// Refuses more decimals than the column keeps (`numeric(_, places)`): PostgreSQL would round them
    /// away, and a value above 0 could become 0 and fail the column's check.
    package static func places(_ value: Decimal?, _ field: String, _ places: Int) throws {
        guard let value else { return }
        let fraction = value.description.split(separator: ".").dropFirst().first.map {
            $0.reversed().drop(while: { $0 == "0" })
        }
        guard (fraction?.count ?? 0) <= places, !value.description.contains("e") else {
            throw bad(field, "\(field) must have at most \(places) decimals")
        }
    }

    /// Checks the rules a settings event gives; answers its regions, validated (nil when not given).
    package static func check(_ e: ConfigureEvent.Settings) throws -> [String]? {
        try places(e.pointsPerUnit, "points_per_unit", 4)
        try places(e.pointValue, "point_value", 6)
        try places(e.maxOrderShare, "max_order_share", 4)
        if let v = e.pointsPerUnit, !(v >= 0 && v <= 10_000) {
            throw bad("points_per_unit", "points_per_unit must be 0 to 10000")
        }
        if let v = e.rounding, Rounding(rawValue: v) == nil { throw bad("rounding", "rounding must be down, half_up or up") }
        if let v = e.roundingBasis, RoundingBasis(rawValue: v) == nil {
            throw bad("rounding_basis", "rounding_basis must be invoice or line")
        }
        if let v = e.noticeMaxAgeDays, !(0...3650).contains(v) {
            throw bad("notice_max_age_days", "notice_max_age_days must be 0 to 3650")
        }
        if let caps = e.dailyCaps {
            let marketing = NoticeKind.known.filter { $0.noticeClass == .marketing }.map(\.rawValue)
            for (kind, cap) in caps.sorted(by: { $0.key < $1.key }) {
                guard marketing.contains(kind) else {
                    throw bad(
                        "daily_caps.\(kind)",
                        "daily_caps counts marketing alerts only: \(marketing.joined(separator: ", ")); points messages are never capped"
                    )
                }
                guard (0...1_000).contains(cap) else { throw bad("daily_caps.\(kind)", "a daily cap must be 0 to 1000") }
            }
        }
        if let v = e.minRedemption { try Validate.pointsThreshold(v, field: "min_redemption") }
        if let v = e.pointValue, !(v > 0 && v <= 1_000) {
            throw bad("point_value", "point_value must be above 0 and at most 1000")
        }
        if let v = e.maxOrderShare, !(v > 0 && v <= 1) {
            throw bad("max_order_share", "max_order_share must be above 0 and at most 1")
        }
        if let v = e.pendingDays, !(0...365).contains(v) { throw bad("pending_days", "pending_days must be 0 to 365") }
        try expiry(e)
        if let v = e.holdMinutes, !(1...1440).contains(v) { throw bad("hold_minutes", "hold_minutes must be 1 to 1440") }
        let regions = try e.regions.map {
            try $0.enumerated().map { try Validate.text($1, field: "regions[\($0)]", maxLength: 64) }
        }
        if let v = e.channels, v.isEmpty || !v.allSatisfy({ $0 == "online" || $0 == "offline" }) {
            throw bad("channels", "channels must list online and/or offline")
        }
        return regions
    }

    private static func expiry(_ e: ConfigureEvent.Settings) throws {
        if let v = e.expiry, ExpiryRule(rawValue: v) == nil {
            throw bad("expiry", "expiry must be none, rolling or end_of_year")
        }
        if let v = e.expiryDays, !(1...3650).contains(v) { throw bad("expiry_days", "expiry_days must be 1 to 3650") }
        let rolling = e.expiry == ExpiryRule.rolling.rawValue
        if rolling != (e.expiryDays != nil), e.expiry != nil || e.expiryDays != nil {
            throw bad("expiry_days", "expiry_days goes with expiry rolling, and only with it")
        }
        if let v = e.expiryNoticeDays, !(0...365).contains(v) {
            throw bad("expiry_notice_days", "expiry_notice_days must be 0 to 365")
        }
    }

    /// Checks a promotion event; answers the promotion it adds.
    package static func promotion(_ e: ConfigureEvent.PromotionInput) throws -> Promotion {
        guard (1...64).contains(e.code.count),
            e.code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) })
        else {
            throw bad("code", "code must be 1 to 64 letters, digits, _ . or -")
        }
        guard ["sku", "brand", "category", "segment", "channel"].contains(e.target) else {
            throw bad("target", "target must be sku, brand, category, segment or channel")
        }
        let value = try Validate.text(e.value, field: "value", maxLength: 128)
        let multiplier = e.multiplier ?? 1
        let bonus = e.bonusPerUnit ?? 0
        try places(multiplier, "multiplier", 4)
        try places(bonus, "bonus_per_unit", 4)
        guard multiplier >= 0 && multiplier <= 100 else { throw bad("multiplier", "multiplier must be 0 to 100") }
        guard bonus >= 0 && bonus <= 1_000_000 else { throw bad("bonus_per_unit", "bonus_per_unit must be 0 to 1000000") }
        guard e.startsAt < e.endsAt else { throw bad("ends_at", "ends_at must be after starts_at") }
        try promotionLimits(e)
        return Promotion(code: e.code, target: e.target, value: value, multiplier: multiplier, bonusPerUnit: bonus)
    }

    /// A promotion's budget and per-customer cap: positive points; a period (day, week, month,
    /// campaign; campaign without it) only with a cap.
    static func promotionLimits(_ e: ConfigureEvent.PromotionInput) throws {
        if let budget = e.budgetPoints, budget < 1 { throw bad("budget_points", "budget_points must be at least 1") }
        if let cap = e.capPoints, cap < 1 { throw bad("cap_points", "cap_points must be at least 1") }
        if let period = e.capPeriod {
            guard ["day", "week", "month", "campaign"].contains(period) else {
                throw bad("cap_period", "cap_period must be day, week, month or campaign")
            }
            guard e.capPoints != nil else { throw bad("cap_period", "cap_period needs cap_points") }
        }
    }

    /// A segment: 1 to 64 lower-case letters, digits, _ or - (nil clears it).
    package static func segment(_ segment: String?) throws {
        guard let s = segment else { return }
        guard (1...64).contains(s.count), s.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "_-".contains($0)) })
        else {
            throw bad("segment", "segment must be 1 to 64 lower-case letters, digits, _ or -")
        }
    }
}
