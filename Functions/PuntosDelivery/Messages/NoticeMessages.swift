import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// One recipient's notices rendered for a channel: an e-mail (a digest when several), an SMS line,
/// or a webhook's JSON body.
struct NoticeMessages {
    let group: [DueNotice]
    let rendered: [RenderedNotice]
    let unsubscribeURL: String
    let now: Date

    init(_ group: [DueNotice], unsubscribeURL: String, now: Date) {
        self.group = group
        self.rendered = group.map {
            MessageTemplates.render(NoticeFacts(kind: $0.kind.rawValue, name: $0.name, payload: $0.payload), locale: $0.locale)
        }
        self.unsubscribeURL = unsubscribeURL
        self.now = now
    }

    func email(messageId: String, configuration: DeliveryConfiguration) -> MIMEMessage {
        let first = group[0]
        let locale = first.locale
        let subject =
            rendered.count == 1 ? rendered[0].subject : MessageTemplates.digestSubject(count: rendered.count, locale: locale)
        let greeting = MessageTemplates.greeting(first.name, locale: locale)
        let label = MessageTemplates.unsubscribeLabel(locale: locale)
        var text = greeting + "\n\n"
        var html = "<p>\(HTMLPage.escape(greeting))</p>\n"
        for notice in rendered {
            text += notice.line + (notice.link.map { "\n\($0)" } ?? "") + "\n\n"
            html += "<p>\(HTMLPage.escape(notice.line))"
            if let link = notice.link { html += "<br><a href=\"\(HTMLPage.escape(link))\">\(HTMLPage.escape(link))</a>" }
            html += "</p>\n"
        }
        text += "--\n\(label): \(unsubscribeURL)\n"
        html +=
            "<hr><p style=\"font-size:small\"><a href=\"\(HTMLPage.escape(unsubscribeURL))\">\(HTMLPage.escape(label))</a></p>\n"
        return MIMEMessage(
            from: configuration.mailFrom, to: first.email ?? "", subject: subject, messageID: messageId, date: now,
            text: text, html: html, unsubscribeURL: unsubscribeURL)
    }

    var sms: String {
        rendered.map(\.line).joined(separator: " ")
            + " \(MessageTemplates.smsStop(locale: group[0].locale)): \(unsubscribeURL)"
    }

    /// The first notice as a Standard Webhooks event (a webhook carries one notice).
    var webhookBody: Data {
        let notice = group[0], rendered = rendered[0]
        func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        let body: JSONValue = .object([
            "type": .string("notice.\(notice.kind.rawValue)"),
            "timestamp": .string(Timestamp.format(now)),
            "data": .object([
                "notice_id": .number(Decimal(notice.id)), "dedupe_key": .string(notice.dedupeKey),
                "kind": .string(notice.kind.rawValue), "programme": .string(notice.programme),
                "customer_id": notice.customerId.map { .number(Decimal($0)) } ?? .null,
                "external_id": optional(notice.externalId), "email": optional(notice.email), "locale": optional(notice.locale),
                "payload": .object(notice.payload), "subject": .string(rendered.subject), "text": .string(rendered.line),
                "unsubscribe_url": .string(unsubscribeURL),
            ]),
        ])
        return (try? JSONCoding.encode(body)) ?? Data("{}".utf8)
    }
}
