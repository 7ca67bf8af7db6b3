import FoundationEssentials
package import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// Every event `unsubscribe` understands: `show` (the link opened: a page asking to confirm) and
/// `unsubscribe` (the page's button, or a mail client's RFC 8058 one-click POST).
package struct UnsubscribeEvent: Sendable, Decodable, Equatable {
    package var kind: String
    package var token: String
    /// `One-Click`, from the RFC 8058 form body `List-Unsubscribe=One-Click`.
    package var listUnsubscribe: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case kind, token, listUnsubscribe = "List-Unsubscribe" }

    package init(kind: String, token: String) {
        self.kind = kind
        self.token = token
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(String.self, forKey: .kind)
        guard ["show", "unsubscribe"].contains(kind) else {
            throw FunctionError.badInput(
                .unknownKind, field: "kind",
                "kind \"\(kind)\" is not an unsubscribe event; expected one of: show, unsubscribe")
        }
        try decoder.rejectUnknownKeys(CodingKeys.self)
        token = try container.decode(String.self, forKey: .token)
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

/// `unsubscribe`: the link in every message. No login: the signed token names the notice, and so the
/// person it went to; the stop applies at once to every pending notice and alert of theirs.
package struct Unsubscribe: FunctionHandler {
    package static let name = "unsubscribe"
    package static let httpRoutes = ["GET /unsubscribe": "show", "POST /unsubscribe": "unsubscribe"]

    let configuration: AlertsConfiguration

    package init(configuration: AlertsConfiguration = .fromEnvironment()) { self.configuration = configuration }

    package func handle(_ event: UnsubscribeEvent, context: FunctionContext) throws -> UnsubscribeOutput {
        let secret = try configuration.requireSecret()
        guard case .success(let token) = SignedToken.verify(event.token, purpose: .unsubscribe, secret: secret, now: context.now)
        else {
            throw FunctionError.badInput(.invalidToken, field: "token", "the unsubscribe link is not valid")
        }
        return try context.database.withTransaction { connection in
            guard
                let row = try connection.query(
                    """
                    SELECT n.programme_id, n.customer_id, coalesce(n.email, c.email) AS email, coalesce(n.phone, c.phone) AS phone,
                           coalesce(n.locale, c.locale) AS locale,
                           CASE WHEN n.customer_id IS NOT NULL THEN 'c:' || n.customer_id
                                WHEN n.email IS NOT NULL THEN 'e:' || n.email ELSE 'p:' || n.phone END AS address_key
                    FROM notices n LEFT JOIN customers c ON c.id = n.customer_id WHERE n.id = \(token.id)
                    """
                ).first
            else {
                throw FunctionError.notFound(.noticeNotFound, field: "token", "the message this link came in is gone")
            }
            let programme: String = try row.decode("programme_id")
            let key: String = try row.decode("address_key")
            let locale: String? = try row.decodeIfPresent("locale")
            let texts = Self.texts(locale)
            let action = HTMLPage.escape(configuration.unsubscribeURL(event.token))
            if event.kind == "show" {
                let done =
                    try connection.query(
                        """
                        SELECT 1 FROM unsubscribes WHERE programme_id = \(programme) AND address_key = \(key)
                        """
                    ).first != nil
                if done {
                    return UnsubscribeOutput(
                        status: "unsubscribed", html: HTMLPage.render(title: texts.doneTitle, body: "<p>\(texts.done)</p>"))
                }
                let form =
                    "<p>\(texts.ask)</p><form method=\"post\" action=\"\(action)\">"
                    + "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                    + "<button type=\"submit\">\(texts.button)</button></form>"
                return UnsubscribeOutput(status: "confirm", html: HTMLPage.render(title: texts.title, body: form))
            }
            var keys = [key]
            if let email: String = try row.decodeIfPresent("email") { keys.append("e:" + email) }
            if let phone: String = try row.decodeIfPresent("phone") { keys.append("p:" + phone) }
            try connection.query(
                """
                INSERT INTO unsubscribes (programme_id, address_key, notice_id, source, created_at)
                SELECT \(programme), k, \(token.id), \(event.listUnsubscribe == nil ? "link" : "one-click"), \(context.now)
                FROM unnest(\(keys)::text[]) AS k ON CONFLICT DO NOTHING
                """)
            let customerId: Int64? = try row.decodeIfPresent("customer_id")
            let email: String? = try row.decodeIfPresent("email")
            let phone: String? = try row.decodeIfPresent("phone")
            let suppressed = try connection.query(
                """
                UPDATE notices SET status = 'suppressed', last_error = 'unsubscribed'
                WHERE programme_id = \(programme) AND status = 'pending'
                  AND (customer_id = \(customerId) OR email = \(email) OR phone = \(phone))
                """
            ).affectedRows
            let removed = try connection.query(
                """
                UPDATE alert_subscriptions SET status = 'removed', removed_at = \(context.now)
                WHERE programme_id = \(programme) AND status IN ('pending', 'active') AND subscriber = ANY(\(keys)::text[])
                """
            ).affectedRows
            return UnsubscribeOutput(
                status: "unsubscribed", html: HTMLPage.render(title: texts.doneTitle, body: "<p>\(texts.done)</p>"),
                suppressedNotices: suppressed, removedSubscriptions: removed)
        }
    }

    static func texts(_ locale: String?) -> (title: String, ask: String, button: String, doneTitle: String, done: String) {
        switch MessageTemplates.language(locale) {
        case "es":
            (
                "Darse de baja", "¿Dejar de recibir nuestros mensajes y alertas?", "Darme de baja",
                "Baja confirmada", "No te enviaremos más mensajes."
            )
        case "ru":
            (
                "Отписка", "Больше не получать наши сообщения и уведомления?", "Отписаться",
                "Вы отписаны", "Мы больше не будем присылать вам сообщения."
            )
        default:
            (
                "Unsubscribe", "Stop receiving our messages and alerts?", "Unsubscribe",
                "You are unsubscribed", "We will not send you any more messages."
            )
        }
    }
}
