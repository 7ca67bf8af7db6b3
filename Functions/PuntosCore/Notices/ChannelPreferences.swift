package import PuntosRuntime

/// How a customer wants to hear about one class or kind of notice.
package enum ChannelChoice: String, StoredVocabulary, CaseIterable {
    case email, sms, both, none
}

/// A customer's channel choices (`notification_settings.channels`), each for a notice class
/// (`transactional`, `marketing`) or a notice kind (`points_expiring`, `price_drop`, ...). A kind's
/// choice wins over its class's; with neither, delivery uses its default.
package struct ChannelPreferences: Sendable, Equatable {
    package var choices: [String: ChannelChoice]

    package init(_ choices: [String: ChannelChoice] = [:]) { self.choices = choices }

    /// The stored map, read leniently: a scope or value this version does not know is ignored.
    package init(stored: [String: JSONValue]) {
        choices = stored.compactMapValues { if case .string(let text) = $0 { ChannelChoice(rawValue: text) } else { nil } }
    }

    /// The choice for a notice of `kind`: its own, else its class's, else nil (the default).
    package func choice(for kind: NoticeKind) -> ChannelChoice? {
        choices[kind.rawValue] ?? choices[kind.noticeClass.rawValue]
    }

    /// Every scope a choice may be given for: the two classes and every known kind.
    package static let scopes: [String] = NoticeClass.allCases.map(\.rawValue) + NoticeKind.known.map(\.rawValue)

    /// Validates a change: each key a scope, each value a choice or null (forget the choice, back to
    /// the default). Returns what to set and what to forget.
    package static func validateChange(_ given: [String: String?], field: String) throws
        -> (set: [String: ChannelChoice], forget: [String])
    {
        guard !given.isEmpty else {
            throw FunctionError.badInput(
                .missingField, field: field, "\(field) needs at least one of \(scopes.joined(separator: ", "))")
        }
        var set: [String: ChannelChoice] = [:]
        var forget: [String] = []
        for (scope, value) in given.sorted(by: { $0.key < $1.key }) {
            guard scopes.contains(scope) else {
                throw FunctionError.badInput(
                    .invalidValue, field: "\(field).\(scope)",
                    "\(scope) is neither a notice class nor a notice kind (\(scopes.joined(separator: ", ")))")
            }
            guard let value else {
                forget.append(scope)
                continue
            }
            guard let choice = ChannelChoice(rawValue: value) else {
                throw FunctionError.badInput(
                    .invalidValue, field: "\(field).\(scope)", "\(field).\(scope) must be one of email, sms, both, none or null")
            }
            set[scope] = choice
        }
        return (set, forget)
    }
}
