package import FoundationEssentials

/// A programme's promotions with their dates: the ones in force at a moment are those whose window
/// `[starts_at, ends_at)` covers it, by code, the same window `PromotionStore.inForce(at:)` selects.
package struct PromotionCalendar: Sendable {
    package struct Dated: Sendable {
        package var promotion: Promotion
        package var startsAt: Date
        package var endsAt: Date
    }

    package let promotions: [Dated]

    package init(_ promotions: [Dated]) { self.promotions = promotions.sorted { $0.promotion.code < $1.promotion.code } }

    package func inForce(at date: Date) -> [Promotion] {
        promotions.filter { $0.startsAt <= date && date < $0.endsAt }.map(\.promotion)
    }

    /// The earning rules an invoice of `date` is priced by: the programme's rate and rounding, and the promotions then.
    package func earningRules(at date: Date, segment: String?, _ settings: LedgerSettings) -> EarningRules {
        settings.earningRules(promotions: inForce(at: date), segment: segment)
    }
}

extension LedgerSettings {
    /// The earning rules from the promotions in force: the programme's rate, rounding and basis, and of
    /// those promotions the ones the customer's segment is offered. `accrue`, the forecast and
    /// `puntos import` all price through here.
    package func earningRules(promotions: [Promotion], segment: String?) -> EarningRules {
        let offered = forSegment(segment)
        return EarningRules(
            pointsPerUnit: pointsPerUnit, rounding: rounding, roundingBasis: roundingBasis,
            promotions: promotions.filter { offered.offers(promotion: $0.code) })
    }
}
