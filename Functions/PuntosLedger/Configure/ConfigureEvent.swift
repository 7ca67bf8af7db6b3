package import FoundationEssentials
import PuntosCore
package import PuntosRuntime

/// Every event `configure` understands: programme rules, dated promotions, customer segments.
package enum ConfigureEvent: KindedEvent {
    case settings(Settings)
    case promotion(PromotionInput)
    case segment(Segment)
    case exclusions(Exclusions)

    package static let kindTable = EventKinds<ConfigureEvent>(
        "a configure event",
        .kind("settings", Settings.CodingKeys.self) { .settings(try Settings(from: $0)) },
        .kind("promotion", PromotionInput.CodingKeys.self) { .promotion(try PromotionInput(from: $0)) },
        .kind("segment", Segment.CodingKeys.self) { .segment(try Segment(from: $0)) },
        .kind("exclusions", Exclusions.CodingKeys.self) { .exclusions(try Exclusions(from: $0)) })

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

extension ConfigureEvent {
    /// The other programmes whose use on an order excludes ours (Rigla: SberSpasibo); replaces the list.
    package struct Exclusions: Codable, Sendable, Equatable {
        package var kind = "exclusions"
        package var programme: String?
        package var idempotencyKey: String?
        package var excludedBy: [String]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, idempotencyKey = "idempotency_key", excludedBy = "excluded_by"
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
    /// The other programmes that exclude ours on an order (kind `exclusions`).
    package var excludedBy: [String]?

    enum CodingKeys: String, CodingKey {
        case programme, currency, rounding, expiry, regions, channels, promotion, segment, excludedBy = "excluded_by"
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
        expiry = s.expiry.rawValue
        expiryDays = s.expiryDays
        allowNegative = s.allowNegative
        regions = s.regions
        channels = s.channels
    }
}
