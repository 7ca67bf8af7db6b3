import FoundationEssentials
package import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// `unsubscribe`: the link in every message. No login: the signed token names the notice, and so the
/// person it went to; the stop applies at once to every pending notice and alert of theirs.
/// Reads decode (token) -> find the recipient (store) -> show, or stop (store) -> answer (`UnsubscribePage`).
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
            let store = UnsubscribeStore(connection: connection)
            guard let recipient = try store.recipient(ofNotice: token.id) else {
                throw FunctionError.notFound(.noticeNotFound, field: "token", "the message this link came in is gone")
            }
            let page = UnsubscribePage(locale: recipient.locale, action: configuration.unsubscribeURL(event.token))
            if event.kind == "show" {
                return try store.isUnsubscribed(recipient) ? page.done() : page.confirm
            }
            try store.recordUnsubscribe(
                recipient, noticeId: token.id, source: event.listUnsubscribe == nil ? "link" : "one-click", at: context.now)
            return page.done(
                suppressedNotices: try store.suppressPendingNotices(of: recipient),
                removedSubscriptions: try store.removeSubscriptions(of: recipient, at: context.now))
        }
    }
}
