import PuntosCore

/// The pages `unsubscribe` answers with, in the recipient's language.
struct UnsubscribePage {
    let texts: Texts
    /// Where the confirm button posts (escaped for HTML).
    let action: String

    init(locale: String?, action: String) {
        self.texts = Texts(locale)
        self.action = HTMLPage.escape(action)
    }

    /// Asks to confirm, with a button posting an RFC 8058 one-click form.
    var confirm: UnsubscribeOutput {
        let form =
            "<p>\(texts.ask)</p><form method=\"post\" action=\"\(action)\">"
            + "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
            + "<button type=\"submit\">\(texts.button)</button></form>"
        return UnsubscribeOutput(status: "confirm", html: HTMLPage.render(title: texts.title, body: form))
    }

    /// Says it is done; with counts when this request did it.
    func done(suppressedNotices: Int? = nil, removedSubscriptions: Int? = nil) -> UnsubscribeOutput {
        UnsubscribeOutput(
            status: "unsubscribed", html: HTMLPage.render(title: texts.doneTitle, body: "<p>\(texts.done)</p>"),
            suppressedNotices: suppressedNotices, removedSubscriptions: removedSubscriptions)
    }

    struct Texts {
        var title: String, ask: String, button: String, doneTitle: String, done: String

        init(_ locale: String?) {
            switch MessageTemplates.language(locale) {
            case "es":
                (title, ask, button, doneTitle, done) = (
                    "Darse de baja", "¿Dejar de recibir nuestros mensajes y alertas?", "Darme de baja",
                    "Baja confirmada", "No te enviaremos más mensajes."
                )
            case "ru":
                (title, ask, button, doneTitle, done) = (
                    "Отписка", "Больше не получать наши сообщения и уведомления?", "Отписаться",
                    "Вы отписаны", "Мы больше не будем присылать вам сообщения."
                )
            default:
                (title, ask, button, doneTitle, done) = (
                    "Unsubscribe", "Stop receiving our messages and alerts?", "Unsubscribe",
                    "You are unsubscribed", "We will not send you any more messages."
                )
            }
        }
    }
}
