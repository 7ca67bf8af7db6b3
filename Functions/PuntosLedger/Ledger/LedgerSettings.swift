package import FoundationEssentials
package import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// The ledger rules of a programme, as stored in `programmes`, and the promotions in force.
package struct LedgerSettings: Sendable, Equatable {
    package var programme: Programme
    package var pointsPerUnit: Decimal
    package var rounding: Rounding
    package var policy: RedemptionPolicy
    package var pendingDays: Int
    package var expiry: String
    package var expiryDays: Int?
    package var expiryNoticeDays: Int
    package var allowNegative: Bool
    package var holdMinutes: Int
    package var regions: [String]?
    package var channels: [String]

    package var hasPromotions: Bool

    /// Loads the programme and its ledger rules in one query; an unknown programme is refused.
    package static func load(_ id: String, from connection: PostgresConnection) throws -> LedgerSettings {
        guard
            let row = try connection.query(
                """
                SELECT id, name, currency, card_prefix, card_length, default_country_code, agreement_required,
                       points_per_unit, rounding, min_redemption, point_value, max_order_share, pending_days, expiry,
                       expiry_days, expiry_notice_days, allow_negative, hold_minutes,
                       array_to_json(regions)::text AS regions, array_to_json(channels)::text AS channels,
                       EXISTS (SELECT 1 FROM promotions p WHERE p.programme_id = programmes.id) AS has_promotions
                FROM programmes WHERE id = \(id)
                """
            ).first
        else {
            throw FunctionError.notFound(.programmeNotFound, field: "programme", "there is no programme \"\(id)\"")
        }
        let programme = try Programme(row)
        func list(_ column: String) throws -> [String]? {
            guard let text = try row.decodeIfPresent(column, as: String.self) else { return nil }
            return try JSONCoding.decoder().decode([String].self, from: Data(text.utf8))
        }
        return LedgerSettings(
            programme: programme, pointsPerUnit: try row.decode("points_per_unit"),
            rounding: Rounding(rawValue: try row.decode("rounding")) ?? .down,
            policy: RedemptionPolicy(
                minimum: try row.decode("min_redemption"), pointValue: try row.decode("point_value"),
                maxOrderShare: try row.decode("max_order_share")),
            pendingDays: try row.decode("pending_days"), expiry: try row.decode("expiry"),
            expiryDays: try row.decodeIfPresent("expiry_days"), expiryNoticeDays: try row.decode("expiry_notice_days"),
            allowNegative: try row.decode("allow_negative"), holdMinutes: try row.decode("hold_minutes"),
            regions: try list("regions"), channels: try list("channels") ?? [],
            hasPromotions: try row.decode("has_promotions"))
    }

    /// The earning rules in force at `date`, with the promotions dated to cover it.
    package func earningRules(at date: Date, connection: PostgresConnection) throws -> EarningRules {
        guard hasPromotions else { return EarningRules(pointsPerUnit: pointsPerUnit, rounding: rounding) }
        let promotions = try connection.query(
            """
            SELECT code, target, value, multiplier, bonus_per_unit FROM promotions
            WHERE programme_id = \(programme.id) AND starts_at <= \(date) AND ends_at > \(date) ORDER BY code
            """
        ).map { row in
            Promotion(
                code: try row.decode("code"), target: try row.decode("target"), value: try row.decode("value"),
                multiplier: try row.decode("multiplier"), bonusPerUnit: try row.decode("bonus_per_unit"))
        }
        return EarningRules(pointsPerUnit: pointsPerUnit, rounding: rounding, promotions: promotions)
    }

    /// When a credit made at `date` expires, by the programme's expiry rule.
    package func expiry(from date: Date) -> Date? {
        switch expiry {
        case "rolling": return date.addingTimeInterval(Double(expiryDays ?? 365) * 86_400)
        case "end_of_year":
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = .gmt
            let year = calendar.component(.year, from: date)
            return calendar.date(from: DateComponents(year: year + 1, month: 1, day: 1))
        default: return nil
        }
    }

    /// When a credit made at `date` becomes available.
    package func activation(from date: Date) -> Date { date.addingTimeInterval(Double(pendingDays) * 86_400) }
}
