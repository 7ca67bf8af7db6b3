import FoundationEssentials
import PuntosCore
package import PuntosRuntime

/// Every event `unsubscribe` understands: `show` (the link opened: a page asking to confirm) and
/// `unsubscribe` (the page's button, or a mail client's RFC 8058 one-click POST).
package struct UnsubscribeEvent: KindedEvent, Equatable {
    package var kind: String
    package var token: String
    /// `One-Click`, from the RFC 8058 form body `List-Unsubscribe=One-Click`.
    package var listUnsubscribe: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case kind, token, listUnsubscribe = "List-Unsubscribe" }

    package init(kind: String, token: String) {
        self.kind = kind
        self.token = token
    }

    package static let kindTable = EventKinds<UnsubscribeEvent>(
        "an unsubscribe event",
        .kind("show", CodingKeys.self) { try UnsubscribeEvent(kind: "show", payload: $0) },
        .kind("unsubscribe", CodingKeys.self) { try UnsubscribeEvent(kind: "unsubscribe", payload: $0) })

    package init(from decoder: any Decoder) throws { self = try Self.kindTable.decode(decoder) }

    private init(kind: String, payload decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(kind: kind, token: try container.decode(String.self, forKey: .token))
        listUnsubscribe = try container.decodeIfPresent(String.self, forKey: .listUnsubscribe)
    }
}

package struct UnsubscribeOutput: Codable, Sendable, Equatable {
    /// `confirm` (the page asks) or `unsubscribed`.
    package var status: String
    /// The page to show: HTTP callers render this field as `text/html`.
    package var html: String
    /// Pending notices stopped and alert subscriptions removed by this request.
    package var suppressedNotices: Int?
    package var removedSubscriptions: Int?

    enum CodingKeys: String, CodingKey {
        case status, html, suppressedNotices = "suppressed_notices", removedSubscriptions = "removed_subscriptions"
    }
}
