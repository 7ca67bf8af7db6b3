import FoundationEssentials
import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// A programme's ledger rules, as the `programmes` table keeps them.
package struct ProgrammeSettingsStore {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) { self.connection = connection }

    /// Loads the programme and its ledger rules in one query; an unknown programme is refused.
    package func load(_ id: String) throws -> LedgerSettings {
        guard
            let row = try connection.query(
                """
                SELECT id, name, currency, card_prefix, card_length, default_country_code, agreement_required, locale, time_zone,
                       points_per_unit, rounding, rounding_basis, notice_max_age_days, min_redemption, point_value, max_order_share,
                       pending_days, expiry,
                       expiry_days, expiry_notice_days, allow_negative, hold_minutes,
                       array_to_json(regions)::text AS regions, array_to_json(channels)::text AS channels,
                       EXISTS (SELECT 1 FROM promotions p WHERE p.programme_id = programmes.id) AS has_promotions,
                       EXISTS (SELECT 1 FROM segment_rules r WHERE r.programme_id = programmes.id) AS has_segment_rules,
                       EXISTS (SELECT 1 FROM tier_schemes t WHERE t.programme_id = programmes.id) AS has_tiers,
                       EXISTS (SELECT 1 FROM organisations o
                               WHERE o.programme_id = programmes.id AND o.pool_customer_id IS NOT NULL) AS has_pools,
                       EXISTS (SELECT 1 FROM programme_exclusions x WHERE x.programme_id = programmes.id)
                           OR EXISTS (SELECT 1 FROM excluded_orders x WHERE x.programme_id = programmes.id) AS has_exclusions
                FROM programmes WHERE id = \(id)
                """
            ).first
        else {
            throw FunctionError.notFound(.programmeNotFound, field: "programme", "there is no programme \"\(id)\"")
        }
        func list(_ column: String) throws -> [String]? {
            guard let text = try row.decodeIfPresent(column, as: String.self) else { return nil }
            return try JSONCoding.decoder().decode([String].self, from: Data(text.utf8))
        }
        var settings = LedgerSettings(
            programme: try Programme(row), pointsPerUnit: try row.decode("points_per_unit"),
            rounding: Rounding(rawValue: try row.decode("rounding")) ?? .down,
            roundingBasis: RoundingBasis(rawValue: try row.decode("rounding_basis")) ?? .invoice,
            policy: RedemptionPolicy(
                minimum: try row.decode("min_redemption"), pointValue: try row.decode("point_value"),
                maxOrderShare: try row.decode("max_order_share")),
            pendingDays: try row.decode("pending_days"), expiry: try row.decode("expiry"),
            expiryDays: try row.decodeIfPresent("expiry_days"), expiryNoticeDays: try row.decode("expiry_notice_days"),
            allowNegative: try row.decode("allow_negative"), holdMinutes: try row.decode("hold_minutes"),
            regions: try list("regions"), channels: try list("channels") ?? [],
            noticeMaxAgeDays: try row.decode("notice_max_age_days"),
            hasPromotions: try row.decode("has_promotions"))
        settings.hasTiers = try row.decode("has_tiers")
        settings.hasPooledOrganisations = try row.decode("has_pools")
        settings.hasExclusions = try row.decode("has_exclusions")
        if try row.decode("has_segment_rules") {
            settings.segmentRules = try SegmentRuleStore(connection: connection, programmeId: id).inForce()
        }
        return settings
    }

    /// Changes only the settings `change` gives (then `recordVersion`). `regions` (nil: keep; empty: everywhere) and
    /// `expiry_days` (set together with `expiry`) are the two that can be cleared.
    package func update(_ id: String, _ e: ConfigureEvent.Settings, regions: [String]?) throws {
        let setRegions = regions != nil
        let regionList: [String]? = regions.flatMap { $0.isEmpty ? nil : $0 }
        let setExpiry = e.expiry != nil
        let dailyCaps = try e.dailyCaps.map { JSONText(String(decoding: try JSONCoding.encode($0), as: UTF8.self)) }
        try connection.query(
            """
            UPDATE programmes SET
                points_per_unit = coalesce(\(e.pointsPerUnit), points_per_unit), rounding = coalesce(\(e.rounding), rounding),
                rounding_basis = coalesce(\(e.roundingBasis), rounding_basis),
                notice_max_age_days = coalesce(\(e.noticeMaxAgeDays), notice_max_age_days),
                daily_caps = coalesce(\(dailyCaps)::jsonb, daily_caps),
                min_redemption = coalesce(\(e.minRedemption), min_redemption), point_value = coalesce(\(e.pointValue), point_value),
                max_order_share = coalesce(\(e.maxOrderShare), max_order_share), pending_days = coalesce(\(e.pendingDays), pending_days),
                expiry = coalesce(\(e.expiry), expiry),
                expiry_days = CASE WHEN \(setExpiry) THEN \(e.expiryDays)::integer ELSE expiry_days END,
                expiry_notice_days = coalesce(\(e.expiryNoticeDays), expiry_notice_days),
                allow_negative = coalesce(\(e.allowNegative), allow_negative), hold_minutes = coalesce(\(e.holdMinutes), hold_minutes),
                regions = CASE WHEN \(setRegions) THEN \(regionList)::text[] ELSE regions END,
                channels = coalesce(\(e.channels)::text[], channels),
                agreement_required = coalesce(\(e.agreementRequired), agreement_required),
                name = coalesce(\(e.name), name), currency = coalesce(\(e.currency), currency),
                default_country_code = coalesce(\(e.defaultCountryCode), default_country_code),
                locale = coalesce(\(e.locale), locale), time_zone = coalesce(\(e.timeZone), time_zone),
                card_prefix = coalesce(\(e.cardPrefix), card_prefix), card_length = coalesce(\(e.cardLength), card_length)
            WHERE id = \(id)
            """)
    }
}
