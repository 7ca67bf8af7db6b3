package import FoundationEssentials
import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// Every event `configure` understands: programme rules, dated promotions, customer segments.
package enum ConfigureEvent: KindedEvent {
    case settings(Settings)
    case promotion(PromotionInput)
    case segment(Segment)

    package static let kindTable = EventKinds<ConfigureEvent>(
        "a configure event",
        .kind("settings", Settings.CodingKeys.self) { .settings(try Settings(from: $0)) },
        .kind("promotion", PromotionInput.CodingKeys.self) { .promotion(try PromotionInput(from: $0)) },
        .kind("segment", Segment.CodingKeys.self) { .segment(try Segment(from: $0)) })

    package init(from decoder: any Decoder) throws { self = try Self.kindTable.decode(decoder) }

    /// Changes only the rules given.
    package struct Settings: Codable, Sendable, Equatable {
        package var kind = "settings"
        package var programme: String?
        package var idempotencyKey: String?
        package var pointsPerUnit: Decimal?
        package var rounding: String?
        package var minRedemption: Int64?
        package var pointValue: Decimal?
        package var maxOrderShare: Decimal?
        package var pendingDays: Int?
        package var expiry: String?
        package var expiryDays: Int?
        package var expiryNoticeDays: Int?
        package var allowNegative: Bool?
        package var holdMinutes: Int?
        /// Regions where points accrue; an empty list means everywhere.
        package var regions: [String]?
        package var channels: [String]?
        package var agreementRequired: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, rounding, expiry, regions, channels
            case idempotencyKey = "idempotency_key", pointsPerUnit = "points_per_unit", minRedemption = "min_redemption",
                pointValue = "point_value", maxOrderShare = "max_order_share", pendingDays = "pending_days",
                expiryDays = "expiry_days", expiryNoticeDays = "expiry_notice_days", allowNegative = "allow_negative",
                holdMinutes = "hold_minutes", agreementRequired = "agreement_required"
        }
    }

    package struct PromotionInput: Codable, Sendable, Equatable {
        package var kind = "promotion"
        package var programme: String?
        package var idempotencyKey: String?
        package var code: String
        package var target: String
        package var value: String
        package var multiplier: Decimal?
        package var bonusPerUnit: Decimal?
        package var startsAt: Date
        package var endsAt: Date

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, code, target, value, multiplier
            case idempotencyKey = "idempotency_key", bonusPerUnit = "bonus_per_unit", startsAt = "starts_at", endsAt = "ends_at"
        }
    }

    package struct Segment: Codable, Sendable, Equatable {
        package var kind = "segment"
        package var programme: String?
        package var idempotencyKey: String?
        package var cardNumber: String
        /// Nil clears the segment.
        package var segment: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, segment, idempotencyKey = "idempotency_key", cardNumber = "card_number"
        }
    }
}

/// What `configure` answers: the programme's rules as now in force.
package struct ConfigureResult: Codable, Sendable, Equatable {
    package var programme: String
    package var currency: String
    package var pointsPerUnit: Decimal
    package var rounding: String
    package var minRedemption: Int64
    package var pointValue: Decimal
    package var maxOrderShare: Decimal
    package var pendingDays: Int
    package var expiry: String
    package var expiryDays: Int?
    package var allowNegative: Bool
    package var regions: [String]?
    package var channels: [String]
    package var promotion: Promotion?
    package var segment: String?

    enum CodingKeys: String, CodingKey {
        case programme, currency, rounding, expiry, regions, channels, promotion, segment
        case pointsPerUnit = "points_per_unit", minRedemption = "min_redemption", pointValue = "point_value",
            maxOrderShare = "max_order_share", pendingDays = "pending_days", expiryDays = "expiry_days",
            allowNegative = "allow_negative"
    }

    init(_ s: LedgerSettings) {
        programme = s.programme.id
        currency = s.programme.currency
        pointsPerUnit = s.pointsPerUnit
        rounding = s.rounding.rawValue
        minRedemption = s.policy.minimum
        pointValue = s.policy.pointValue
        maxOrderShare = s.policy.maxOrderShare
        pendingDays = s.pendingDays
        expiry = s.expiry
        expiryDays = s.expiryDays
        allowNegative = s.allowNegative
        regions = s.regions
        channels = s.channels
    }
}

/// `configure`: programme rules, promotions and segments, as validated data. Entries written
/// afterwards record the rules in force when they were written.
package struct Configure: FunctionHandler {
    package static let name = "configure"
    package static let httpRoutes = [
        "PUT /programme": "settings", "POST /promotions": "promotion", "PUT /cards/{card_number}/segment": "segment",
    ]

    package init() {}

    package func handle(_ event: ConfigureEvent, context: FunctionContext) throws -> ConfigureResult {
        switch event {
        case .settings(let e): try settings(e, context)
        case .promotion(let e): try promotion(e, context)
        case .segment(let e): try segment(e, context)
        }
    }

    private func bad(_ field: String, _ message: String) -> FunctionError { .badInput(.invalidValue, field: field, message) }

    /// Refuses more decimals than the column keeps (`numeric(_, places)`): PostgreSQL would round them
    /// away, and a value above 0 could become 0 and fail the column's check.
    private func places(_ value: Decimal?, _ field: String, _ places: Int) throws {
        guard let value else { return }
        let fraction = value.description.split(separator: ".").dropFirst().first.map {
            $0.reversed().drop(while: { $0 == "0" })
        }
        guard (fraction?.count ?? 0) <= places, !value.description.contains("e") else {
            throw bad(field, "\(field) must have at most \(places) decimals")
        }
    }

    private func settings(_ e: ConfigureEvent.Settings, _ context: FunctionContext) throws -> ConfigureResult {
        let id = try Validate.programme(e.programme)
        try places(e.pointsPerUnit, "points_per_unit", 4)
        try places(e.pointValue, "point_value", 6)
        try places(e.maxOrderShare, "max_order_share", 4)
        if let v = e.pointsPerUnit, !(v >= 0 && v <= 10_000) {
            throw bad("points_per_unit", "points_per_unit must be 0 to 10000")
        }
        if let v = e.rounding, Rounding(rawValue: v) == nil { throw bad("rounding", "rounding must be down, half_up or up") }
        if let v = e.minRedemption, !(0...100_000_000).contains(v) {
            throw bad("min_redemption", "min_redemption must be 0 to 100000000")
        }
        if let v = e.pointValue, !(v > 0 && v <= 1_000) {
            throw bad("point_value", "point_value must be above 0 and at most 1000")
        }
        if let v = e.maxOrderShare, !(v > 0 && v <= 1) {
            throw bad("max_order_share", "max_order_share must be above 0 and at most 1")
        }
        if let v = e.pendingDays, !(0...365).contains(v) { throw bad("pending_days", "pending_days must be 0 to 365") }
        if let v = e.expiry, !["none", "rolling", "end_of_year"].contains(v) {
            throw bad("expiry", "expiry must be none, rolling or end_of_year")
        }
        if let v = e.expiryDays, !(1...3650).contains(v) { throw bad("expiry_days", "expiry_days must be 1 to 3650") }
        if (e.expiry == "rolling") != (e.expiryDays != nil), e.expiry != nil || e.expiryDays != nil {
            throw bad("expiry_days", "expiry_days goes with expiry rolling, and only with it")
        }
        if let v = e.expiryNoticeDays, !(0...365).contains(v) {
            throw bad("expiry_notice_days", "expiry_notice_days must be 0 to 365")
        }
        if let v = e.holdMinutes, !(1...1440).contains(v) { throw bad("hold_minutes", "hold_minutes must be 1 to 1440") }
        let regions = try e.regions.map {
            try $0.enumerated().map { try Validate.text($1, field: "regions[\($0)]", maxLength: 64) }
        }
        if let v = e.channels, v.isEmpty || !v.allSatisfy({ $0 == "online" || $0 == "offline" }) {
            throw bad("channels", "channels must list online and/or offline")
        }
        let setRegions = regions != nil
        let regionList: [String]? = regions.flatMap { $0.isEmpty ? nil : $0 }
        let setExpiry = e.expiry != nil
        return try Idempotency.run(
            database: context.database, programme: id, scope: "configure.settings", key: e.idempotencyKey, request: e
        ) { connection in
            _ = try Programme.load(id, from: connection)
            try connection.query(
                """
                UPDATE programmes SET
                    points_per_unit = coalesce(\(e.pointsPerUnit), points_per_unit), rounding = coalesce(\(e.rounding), rounding),
                    min_redemption = coalesce(\(e.minRedemption), min_redemption), point_value = coalesce(\(e.pointValue), point_value),
                    max_order_share = coalesce(\(e.maxOrderShare), max_order_share), pending_days = coalesce(\(e.pendingDays), pending_days),
                    expiry = coalesce(\(e.expiry), expiry),
                    expiry_days = CASE WHEN \(setExpiry) THEN \(e.expiryDays)::integer ELSE expiry_days END,
                    expiry_notice_days = coalesce(\(e.expiryNoticeDays), expiry_notice_days),
                    allow_negative = coalesce(\(e.allowNegative), allow_negative), hold_minutes = coalesce(\(e.holdMinutes), hold_minutes),
                    regions = CASE WHEN \(setRegions) THEN \(regionList)::text[] ELSE regions END,
                    channels = coalesce(\(e.channels)::text[], channels),
                    agreement_required = coalesce(\(e.agreementRequired), agreement_required)
                WHERE id = \(id)
                """)
            return ConfigureResult(try LedgerSettings.load(id, from: connection))
        }
    }

    private func promotion(_ e: ConfigureEvent.PromotionInput, _ context: FunctionContext) throws -> ConfigureResult {
        let id = try Validate.programme(e.programme)
        guard (1...64).contains(e.code.count),
            e.code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) })
        else {
            throw bad("code", "code must be 1 to 64 letters, digits, _ . or -")
        }
        guard ["sku", "brand", "category", "segment", "channel"].contains(e.target) else {
            throw bad("target", "target must be sku, brand, category, segment or channel")
        }
        let value = try Validate.text(e.value, field: "value", maxLength: 128)
        let multiplier = e.multiplier ?? 1, bonus = e.bonusPerUnit ?? 0
        try places(multiplier, "multiplier", 4)
        try places(bonus, "bonus_per_unit", 4)
        guard multiplier >= 0 && multiplier <= 100 else { throw bad("multiplier", "multiplier must be 0 to 100") }
        guard bonus >= 0 && bonus <= 1_000_000 else { throw bad("bonus_per_unit", "bonus_per_unit must be 0 to 1000000") }
        guard e.startsAt < e.endsAt else { throw bad("ends_at", "ends_at must be after starts_at") }
        return try Idempotency.run(
            database: context.database, programme: id, scope: "configure.promotion", key: e.idempotencyKey, request: e
        ) { connection in
            _ = try Programme.load(id, from: connection)
            let inserted = try connection.query(
                """
                INSERT INTO promotions (programme_id, code, target, value, multiplier, bonus_per_unit, starts_at, ends_at)
                VALUES (\(id), \(e.code), \(e.target), \(value), \(multiplier), \(bonus), \(e.startsAt), \(e.endsAt))
                ON CONFLICT (programme_id, code) DO NOTHING RETURNING id
                """)
            guard !inserted.isEmpty else {
                throw FunctionError.conflict(
                    .promotionExists, field: "code",
                    "promotion \(e.code) exists; promotions are not edited, end one and add another")
            }
            var result = ConfigureResult(try LedgerSettings.load(id, from: connection))
            result.promotion = Promotion(
                code: e.code, target: e.target, value: value, multiplier: multiplier, bonusPerUnit: bonus)
            return result
        }
    }

    private func segment(_ e: ConfigureEvent.Segment, _ context: FunctionContext) throws -> ConfigureResult {
        let id = try Validate.programme(e.programme)
        let card = try Validate.cardNumber(e.cardNumber, field: "card_number").digits
        if let s = e.segment,
            !(1...64).contains(s.count) || !s.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "_-".contains($0)) })
        {
            throw bad("segment", "segment must be 1 to 64 lower-case letters, digits, _ or -")
        }
        return try Idempotency.run(
            database: context.database, programme: id, scope: "configure.segment", key: e.idempotencyKey, request: e
        ) { connection in
            let updated = try connection.query(
                """
                UPDATE customers SET segment = \(e.segment)
                WHERE id = (SELECT customer_id FROM cards WHERE number = \(card) AND programme_id = \(id)) RETURNING id
                """)
            guard !updated.isEmpty else {
                throw FunctionError.notFound(.cardNotFound, field: "card_number", "there is no such card")
            }
            var result = ConfigureResult(try LedgerSettings.load(id, from: connection))
            result.segment = e.segment
            return result
        }
    }
}
