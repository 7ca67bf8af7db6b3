import FoundationEssentials
import PuntosCore
import PuntosRuntime

/// The checks on a programme's own fields (name, currency, phone country code, locale, time zone,
/// card numbers), before anything is read or written, each naming its field. The time zone is also
/// looked up in the database's time-zone names (`ProgrammeSettingsStore.checkTimeZone`).
package enum ProgrammeValidation {
    private static func bad(_ field: String, _ message: String) -> FunctionError {
        .badInput(.invalidValue, field: field, message)
    }

    private static func digits(_ text: String) -> Bool { !text.isEmpty && text.allSatisfy { $0.isASCII && $0.isNumber } }

    /// The event with its name trimmed, every programme field checked.
    package static func check(_ e: ConfigureEvent.Settings) throws -> ConfigureEvent.Settings {
        var e = e
        e.name = try Validate.optionalText(e.name, field: "name", maxLength: 200)
        if let v = e.currency { _ = try Money.currency(v, field: "currency") }
        if let v = e.defaultCountryCode, !(digits(v) && (1...3).contains(v.count) && v.first != "0") {
            throw bad("default_country_code", "default_country_code must be an E.164 calling code: 1 to 3 digits, not 0 first")
        }
        _ = try Validate.locale(e.locale, field: "locale")
        if let v = e.timeZone { try timeZone(v) }
        if let v = e.cardPrefix, !(digits(v) && (1...8).contains(v.count)) {
            throw bad("card_prefix", "card_prefix must be 1 to 8 digits")
        }
        // 8 digits of prefix at most and 12 at least in all: a virtual number always has room for its check digit.
        if let v = e.cardLength, !(12...19).contains(v) { throw bad("card_length", "card_length must be 12 to 19") }
        return e
    }

    /// The shape of an IANA name (`Europe/Moscow`, `America/Argentina/Buenos_Aires`, `UTC`); whether
    /// the name exists is the database's to say.
    static func timeZone(_ value: String) throws {
        let valid =
            (1...64).contains(value.count) && value.first.map { $0.isASCII && $0.isLetter } == true
            && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_+/-".contains($0)) }
        guard valid else {
            throw bad("time_zone", "time_zone must be an IANA time-zone name such as Europe/Moscow or America/Bogota")
        }
    }

    /// Checks a segment-rules event; answers the segment's rules it states (version not yet known).
    package static func segmentRules(_ e: ConfigureEvent.SegmentRules) throws -> SegmentRule {
        try SettingsValidation.segment(e.segment)
        try SettingsValidation.places(e.pointValue, "point_value", 6)
        try SettingsValidation.places(e.maxOrderShare, "max_order_share", 4)
        if let v = e.pointValue, !(v > 0 && v <= 1_000) {
            throw bad("point_value", "point_value must be above 0 and at most 1000")
        }
        if let v = e.minRedemption { try Validate.pointsThreshold(v, field: "min_redemption") }
        if let v = e.maxOrderShare, !(v > 0 && v <= 1) {
            throw bad("max_order_share", "max_order_share must be above 0 and at most 1")
        }
        if let codes = e.promotions {
            guard codes.count <= 200 else { throw bad("promotions", "at most 200 promotions") }
            for (index, code) in codes.enumerated() {
                guard (1...64).contains(code.count),
                    code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) })
                else {
                    throw bad("promotions[\(index)]", "a promotion code is 1 to 64 letters, digits, _ . or -")
                }
            }
        }
        return SegmentRule(
            segment: e.segment, version: 0, pointValue: e.pointValue, minRedemption: e.minRedemption,
            maxOrderShare: e.maxOrderShare, promotions: e.promotions.map { Array(Set($0)).sorted() })
    }
}
