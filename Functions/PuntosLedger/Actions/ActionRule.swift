import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// How often an action may earn: at most `count` times per period.
package enum CapPeriod: String, StoredVocabulary, Codable, CaseIterable {
    /// In the customer's whole membership.
    case once
    case day, month, year

    /// The period `day` (`YYYY-MM-DD`, in the programme's time zone) falls in: `once`, `2026`,
    /// `2026-12` or `2026-12-03`.
    package func key(day: String) -> String {
        switch self {
        case .once: "once"
        case .year: String(day.prefix(4))
        case .month: String(day.prefix(7))
        case .day: day
        }
    }

    /// As a sentence says it: "per day", "in all".
    package var words: String { self == .once ? "in all" : "per \(rawValue)" }
}

/// An action a programme rewards (sign-up, a product review, a survey, ...): the points it earns and
/// its cap, as the version in force (`action_rules`, never edited).
package struct ActionRule: Codable, Sendable, Equatable {
    /// The action credited by the birthday sweep (`earn-sweep` kind `birthdays`), once a year.
    package static let birthday = "birthday"

    package var action: String
    package var version: Int
    package var points: Int64
    package var capPeriod: CapPeriod
    package var capCount: Int
    /// Off: the action earns nothing (`action_not_configured`) until switched on again.
    package var active: Bool

    package init(action: String, version: Int, points: Int64, capPeriod: CapPeriod, capCount: Int, active: Bool) {
        self.action = action
        self.version = version
        self.points = points
        self.capPeriod = capPeriod
        self.capCount = capCount
        self.active = active
    }

    enum CodingKeys: String, CodingKey {
        case action, version, points, active, capPeriod = "cap_period", capCount = "cap_count"
    }

    /// The same rule (whatever the version).
    package func sameRule(as other: ActionRule) -> Bool {
        var other = other
        other.version = version
        return self == other
    }

    /// What the entry records: the action, its rule version, points and cap.
    var json: JSONText {
        JSONText(
            #"{"action":"\#(action)","version":\#(version),"points":\#(points),"cap_period":"\#(capPeriod.rawValue)","cap_count":\#(capCount)}"#
        )
    }

    /// An action's name: 1 to 64 lower-case letters, digits, `_` or `-` (`product_review`).
    package static func name(_ value: String, field: String = "action") throws -> String {
        let valid =
            (1...64).contains(value.count)
            && value.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-") }
        guard valid else {
            throw FunctionError.badInput(
                .invalidValue, field: field, "\(field) must be 1 to 64 lower-case letters, digits, _ or -")
        }
        return value
    }
}
