import FoundationEssentials
import PuntosCore
import PuntosRuntime

/// What happened to one message.
enum SendOutcome {
    case sent(code: Int?)
    /// A rejected address, a 4xx from a webhook: never retried.
    case permanent(code: Int?, detail: String)
    /// Unreachable, busy, 5xx: retried with backoff.
    case temporary(code: Int?, detail: String)

    var isSent: Bool { if case .sent = self { true } else { false } }

    /// An HTTP answer: 2xx sent; 408, 425, 429 and 5xx temporary; any other status permanent.
    static func http(_ status: Int) -> SendOutcome {
        switch status {
        case 200..<300: .sent(code: status)
        case 408, 425, 429, 500..<600: .temporary(code: status, detail: "http_\(status)")
        default: .permanent(code: status, detail: "http_\(status)")
        }
    }

    static func curl(_ error: CurlError) -> SendOutcome {
        let code = error.responseCode == 0 ? nil : error.responseCode
        let detail = String(error.description.prefix(300))
        return error.isTemporary ? .temporary(code: code, detail: detail) : .permanent(code: code, detail: detail)
    }
}

/// The libcurl clients of one run, made on first use and kept so connections are reused.
/// Not Sendable: one run owns it.
final class Senders {
    let configuration: DeliveryConfiguration
    private var smtpClient: SMTPClient?
    private var httpClient: HTTPClient?

    init(configuration: DeliveryConfiguration) { self.configuration = configuration }

    private var http: HTTPClient {
        if let httpClient { return httpClient }
        let client = HTTPClient()
        httpClient = client
        return client
    }

    func email(to address: String, message: MIMEMessage) -> SendOutcome {
        guard let smtp = configuration.smtp else { return .temporary(code: nil, detail: "smtp_not_configured") }
        let client = smtpClient ?? SMTPClient(configuration: smtp)
        smtpClient = client
        do {
            try client.send(from: configuration.envelopeFrom, to: [address], message: message.rendered())
            return .sent(code: 250)
        } catch {
            return .curl(error)
        }
    }

    func sms(to phone: String, text: String) -> SendOutcome {
        guard let url = configuration.smsURL else { return .temporary(code: nil, detail: "sms_not_configured") }
        let body = configuration.smsBodyTemplate
            .replacing("{{to}}", with: JSONString.escape(phone))
            .replacing("{{text}}", with: JSONString.escape(text))
        var headers = [(name: "Content-Type", value: "application/json")]
        if let authorization = configuration.smsAuthorization { headers.append((name: "Authorization", value: authorization)) }
        return post(HTTPRequest(method: "POST", url: url, headers: headers, body: Data(body.utf8)))
    }

    func webhook(id: String, timestamp: Int64, body: Data) -> SendOutcome {
        guard let url = configuration.webhookURL, let secret = configuration.webhookSecret else {
            return .temporary(code: nil, detail: "webhook_not_configured")
        }
        let headers = [
            (name: "Content-Type", value: "application/json"), (name: "webhook-id", value: id),
            (name: "webhook-timestamp", value: String(timestamp)),
            (name: "webhook-signature", value: WebhookSignature.sign(id: id, timestamp: timestamp, body: body, secret: secret)),
        ]
        return post(HTTPRequest(method: "POST", url: url, headers: headers, body: body))
    }

    private func post(_ request: HTTPRequest) -> SendOutcome {
        do {
            return .http(try http.perform(request).status)
        } catch {
            return .curl(error)
        }
    }
}
