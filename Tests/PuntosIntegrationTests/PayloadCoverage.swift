import Foundation
import PuntosCore
import PuntosDelivery
import PuntosRuntime
import Testing

/// No payload key left unrendered: every key a notice carries is shown by its message or listed as
/// not for the member (`PayloadKeys`), and every key listed as shown does change the message when
/// its value changes (in every shipped locale). A payload that gains a key nobody renders or
/// excludes fails here.
enum PayloadCoverage {
    /// Values to put in a key: one of them changes the message of a template that reads the key
    /// (a number, a reference, a date, the two directions, the two alert kinds, a price).
    static let otherValues: [JSONValue] = [
        .number(987_654), .string("ZQ-98765"), .string("2031-07-19T00:00:00Z"), .string("debit"), .string("credit"),
        .string("stock"), .string("price"), .string("12.34"), .string("https://elsewhere.example/zq"),
    ]

    static func message(_ kind: String, _ payload: [String: JSONValue], locale: String) -> String {
        let rendered = MessageTemplates.render(NoticeFacts(kind: kind, name: "Ana", payload: payload), locale: locale)
        return [rendered.subject, rendered.line, rendered.link ?? ""].joined(separator: "\n")
    }

    static func expectEveryKeyAccountedFor(_ kind: String, _ payload: [String: JSONValue]) {
        let shown = PayloadKeys.shown(NoticeKind(rawValue: kind))
        let hidden = PayloadKeys.notForMember(NoticeKind(rawValue: kind))
        #expect(!shown.isEmpty, "\(kind) has no list of the keys its message shows")
        for key in payload.keys.sorted() {
            #expect(
                shown.contains(key) != (hidden[key] != nil),
                "\(kind) carries \"\(key)\": its message must either show it or list it as not for the member")
        }
        for locale in MessageTemplates.locales {
            let before = message(kind, payload, locale: locale)
            for key in shown.sorted() where payload.keys.contains(key) {
                let changes = otherValues.contains { value in
                    var changed = payload
                    changed[key] = value
                    return message(kind, changed, locale: locale) != before
                }
                #expect(changes, "\(kind)/\(locale) lists \"\(key)\" as shown, but the message ignores it")
            }
        }
    }
}
