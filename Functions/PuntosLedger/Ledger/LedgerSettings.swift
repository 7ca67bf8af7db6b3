package import FoundationEssentials
package import PuntosCore

/// The ledger rules of a programme, as stored in `programmes` (`ProgrammeSettingsStore`).
package struct LedgerSettings: Sendable, Equatable {
    package var programme: Programme
    package var pointsPerUnit: Decimal
    package var rounding: Rounding
    package var roundingBasis: RoundingBasis
    package var policy: RedemptionPolicy
    package var pendingDays: Int
    package var expiry: ExpiryRule
    package var expiryDays: Int?
    package var expiryNoticeDays: Int
    package var allowNegative: Bool
    package var holdMinutes: Int
    package var regions: [String]?
    package var channels: [String]
    /// An invoice dated more than this many days before it is recorded sends no notice.
    package var noticeMaxAgeDays: Int

    package var hasPromotions: Bool
    /// Whether the programme has (had) tiers, pooled organisations, programme exclusions: without them
    /// a ledger write skips the statements that would find none (all true unless loaded).
    package var hasTiers = true
    package var hasPooledOrganisations = true
    package var hasExclusions = true
    /// The segments' own rules in force, by segment (`forSegment` resolves them).
    package var segmentRules: [String: SegmentRule] = [:]
    /// The promotions offered, by code, once resolved for a segment that names them; nil: every one.
    package var offeredPromotions: Set<String>? = nil

    /// When a credit made at `date` expires, by the programme's expiry rule.
    package func expiry(from date: Date) -> Date? {
        switch expiry {
        case .rolling: return date.addingTimeInterval(Double(expiryDays ?? 365) * 86_400)
        case .endOfYear:
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = .gmt
            let year = calendar.component(.year, from: date)
            return calendar.date(from: DateComponents(year: year + 1, month: 1, day: 1))
        case .none: return nil
        }
    }

    /// Whether an invoice dated `date` is too old, at `now`, for its points to be announced.
    package func tooOldForNotice(_ date: Date, now: Date) -> Bool {
        date < now.addingTimeInterval(-Double(noticeMaxAgeDays) * 86_400)
    }

    /// When a credit made at `date` becomes available.
    package func activation(from date: Date) -> Date { date.addingTimeInterval(Double(pendingDays) * 86_400) }
}
