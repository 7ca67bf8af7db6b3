package import FoundationEssentials
import PuntosCore
package import PuntosRuntime

/// Every event `configure` understands: the programme (created or changed), its rules, dated
/// promotions, customer segments and their rules.
package enum ConfigureEvent: KindedEvent {
    /// Creates the programme (name and currency required) or changes what is given: a new version.
    case programme(Settings)
    /// Changes what is given of an existing programme (as `programme`, never creating one).
    case settings(Settings)
    case promotion(PromotionInput)
    case segment(Segment)
    /// A segment's own rules over the programme's: a new version of them.
    case segmentRules(SegmentRules)
    case exclusions(Exclusions)
    /// The programme's tiers (Tiers/ConfigureTiers.swift): a new version of them.
    case tiers(Tiers)
    /// An action the programme rewards, as its next version (Actions/Configure+Actions.swift).
    case action(ActionInput)
    /// What a referral earns, as its next version (Referrals/Configure+Referrals.swift).
    case referrals(ReferralsInput)

    package static let kindTable = EventKinds<ConfigureEvent>(
        "a configure event",
        .kind("programme", Settings.CodingKeys.self) { .programme(try Settings(from: $0)) },
        .kind("settings", Settings.CodingKeys.self) { .settings(try Settings(from: $0)) },
        .kind("promotion", PromotionInput.CodingKeys.self) { .promotion(try PromotionInput(from: $0)) },
        .kind("segment", Segment.CodingKeys.self) { .segment(try Segment(from: $0)) },
        .kind("segment_rules", SegmentRules.CodingKeys.self) { .segmentRules(try SegmentRules(from: $0)) },
        .kind("exclusions", Exclusions.CodingKeys.self) { .exclusions(try Exclusions(from: $0)) },
        .kind("tiers", Tiers.CodingKeys.self) { .tiers(try Tiers(from: $0)) },
        .kind("action", ActionInput.CodingKeys.self) { .action(try ActionInput(from: $0)) },
        .kind("referrals", ReferralsInput.CodingKeys.self) { .referrals(try ReferralsInput(from: $0)) })

    package init(from decoder: any Decoder) throws { self = try Self.kindTable.decode(decoder) }

    /// Changes only the settings given (`programme` also creates the programme).
    package struct Settings: Codable, Sendable, Equatable {
        package var kind = "settings"
        package var programme: String?
        package var idempotencyKey: String?
        package var name: String?
        /// ISO 4217; it cannot change once the programme has invoices or entries (`currency_in_use`).
        package var currency: String?
        package var defaultCountryCode: String?
        package var locale: String?
        /// An IANA time-zone name (`Europe/Moscow`).
        package var timeZone: String?
        package var cardPrefix: String?
        package var cardLength: Int?
        package var pointsPerUnit: Decimal?
        package var rounding: String?
        /// `invoice` (round the invoice's total once) or `line` (round each line).
        package var roundingBasis: String?
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
        /// An invoice dated more than this many days before it is recorded sends no notice.
        package var noticeMaxAgeDays: Int?
        /// The most marketing alerts of a kind one customer is sent a day (`{"price_drop": 5}`); it
        /// replaces the map set before. Points messages are never capped.
        package var dailyCaps: [String: Int]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, rounding, expiry, regions, channels, name, currency, locale, dailyCaps = "daily_caps"
            case defaultCountryCode = "default_country_code", timeZone = "time_zone", cardPrefix = "card_prefix",
                cardLength = "card_length"
            case idempotencyKey = "idempotency_key", pointsPerUnit = "points_per_unit", minRedemption = "min_redemption",
                pointValue = "point_value", maxOrderShare = "max_order_share", pendingDays = "pending_days",
                expiryDays = "expiry_days", expiryNoticeDays = "expiry_notice_days", allowNegative = "allow_negative",
                holdMinutes = "hold_minutes", agreementRequired = "agreement_required", roundingBasis = "rounding_basis",
                noticeMaxAgeDays = "notice_max_age_days"
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
        /// The extra points the promotion may give in all, and per customer per `cap_period` (`PromotionLimits`).
        package var budgetPoints: Int64?
        package var capPoints: Int64?
        package var capPeriod: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, code, target, value, multiplier
            case idempotencyKey = "idempotency_key", bonusPerUnit = "bonus_per_unit", startsAt = "starts_at", endsAt = "ends_at"
            case budgetPoints = "budget_points", capPoints = "cap_points", capPeriod = "cap_period"
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

    /// A segment's rules: each one given replaces the programme's for customers in the segment; one
    /// not given is the programme's. The whole set is the segment's new version.
    package struct SegmentRules: Codable, Sendable, Equatable {
        package var kind = "segment_rules"
        package var programme: String?
        package var idempotencyKey: String?
        package var segment: String
        package var pointValue: Decimal?
        package var minRedemption: Int64?
        package var maxOrderShare: Decimal?
        /// The codes of the promotions the segment is offered; every promotion without it.
        package var promotions: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, segment, promotions
            case idempotencyKey = "idempotency_key", pointValue = "point_value", minRedemption = "min_redemption",
                maxOrderShare = "max_order_share"
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
    package var roundingBasis: String
    package var minRedemption: Int64
    package var pointValue: Decimal
    package var maxOrderShare: Decimal
    package var pendingDays: Int
    package var expiry: String
    package var expiryDays: Int?
    package var allowNegative: Bool
    package var regions: [String]?
    package var channels: [String]
    package var noticeMaxAgeDays: Int
    package var promotion: Promotion?
    package var segment: String?
    // The programme itself (kinds programme and settings answer all of it).
    package var name: String
    package var defaultCountryCode: String
    package var locale: String
    package var timeZone: String
    package var cardPrefix: String
    package var cardLength: Int
    package var agreementRequired: Bool
    package var expiryNoticeDays: Int
    package var holdMinutes: Int
    /// The programme's version now in force (kinds programme and settings).
    package var version: Int?
    /// True when this event created the programme.
    package var created: Bool?
    /// A segment's rules now in force (kind segment_rules).
    package var segmentRules: SegmentRule?
    /// The other programmes that exclude ours on an order (kind `exclusions`).
    package var excludedBy: [String]?
    /// The tiers now in force (kind `tiers`).
    package var tiers: TierScheme?
    /// The action's rule now in force (kind `action`).
    package var action: ActionRule?
    /// The referral rule now in force (kind `referrals`).
    package var referrals: ReferralRule?

    enum CodingKeys: String, CodingKey {
        case programme, currency, rounding, expiry, regions, channels, promotion, segment, excludedBy = "excluded_by", tiers
        case action, referrals
        case name, locale, version, created, defaultCountryCode = "default_country_code", timeZone = "time_zone",
            cardPrefix = "card_prefix", cardLength = "card_length", agreementRequired = "agreement_required",
            expiryNoticeDays = "expiry_notice_days", holdMinutes = "hold_minutes", segmentRules = "segment_rules"
        case pointsPerUnit = "points_per_unit", minRedemption = "min_redemption", pointValue = "point_value",
            maxOrderShare = "max_order_share", pendingDays = "pending_days", expiryDays = "expiry_days",
            allowNegative = "allow_negative", roundingBasis = "rounding_basis", noticeMaxAgeDays = "notice_max_age_days"
    }

    init(_ s: LedgerSettings) {
        programme = s.programme.id
        currency = s.programme.currency
        pointsPerUnit = s.pointsPerUnit
        rounding = s.rounding.rawValue
        roundingBasis = s.roundingBasis.rawValue
        minRedemption = s.policy.minimum
        pointValue = s.policy.pointValue
        maxOrderShare = s.policy.maxOrderShare
        pendingDays = s.pendingDays
        expiry = s.expiry.rawValue
        expiryDays = s.expiryDays
        allowNegative = s.allowNegative
        regions = s.regions
        channels = s.channels
        name = s.programme.name
        defaultCountryCode = s.programme.defaultCountryCode
        locale = s.programme.locale
        timeZone = s.programme.timeZone
        cardPrefix = s.programme.cardPrefix
        cardLength = s.programme.cardLength
        agreementRequired = s.programme.agreementRequired
        expiryNoticeDays = s.expiryNoticeDays
        holdMinutes = s.holdMinutes
        noticeMaxAgeDays = s.noticeMaxAgeDays
    }
}
