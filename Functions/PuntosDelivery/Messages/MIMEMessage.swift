package import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// An RFC 5322 message with a text and an HTML part (`multipart/alternative`), UTF-8 in base64,
/// CRLF line ends, and the headers bulk senders need: `Message-ID`, `List-Unsubscribe` and
/// `List-Unsubscribe-Post` (RFC 8058 one-click).
package struct MIMEMessage: Sendable {
    package var from: String
    package var to: String
    package var subject: String
    package var messageID: String
    package var date: Date
    package var text: String
    package var html: String
    package var unsubscribeURL: String?

    package init(
        from: String, to: String, subject: String, messageID: String, date: Date, text: String, html: String,
        unsubscribeURL: String?
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.messageID = messageID
        self.date = date
        self.text = text
        self.html = html
        self.unsubscribeURL = unsubscribeURL
    }

    /// `<32 hex digits@domain>`, the same for the same notices, so a retried message keeps its id.
    package static func messageID(dedupeKeys: [String], domain: String) -> String {
        let digest = SHA256Digest.hash(Data(dedupeKeys.sorted().joined(separator: "\n").utf8)).hexString.prefix(32)
        return "<\(digest)@\(domain)>"
    }

    package func rendered() -> Data {
        let boundary = "=_puntos_" + SHA256Digest.hash(Data(messageID.utf8)).hexString.prefix(24)
        var headers = [
            "From: \(from)",
            "To: \(to)",
            "Subject: \(Self.encodedWord(subject))",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: \(messageID)",
            "MIME-Version: 1.0",
        ]
        if let unsubscribeURL {
            headers.append("List-Unsubscribe: <\(unsubscribeURL)>")
            headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        }
        headers.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        var lines = headers + [""]
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines += ["--\(boundary)", "Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", ""]
            lines += Self.wrappedBase64(Data(body.utf8))
        }
        lines += ["--\(boundary)--", ""]
        return Data(lines.joined(separator: "\r\n").utf8)
    }

    /// RFC 2047: non-ASCII header text as `=?UTF-8?B?...?=` words of at most 45 bytes each.
    package static func encodedWord(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { !$0.isASCII || $0.value < 32 }) else { return text }
        var words: [String] = []
        var chunk = Data()
        for character in text {
            let bytes = Data(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    static func wrappedBase64(_ data: Data) -> [String] {
        let encoded = data.base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }

    /// `Sun, 22 Nov 2026 21:07:05 +0000`.
    package static func rfc5322Date(_ date: Date) -> String {
        let iso = Timestamp.format(date)  // 2026-11-22T21:07:05.000Z
        let days = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][((days % 7) + 7) % 7]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let parts = iso.split(separator: "T")
        let ymd = parts[0].split(separator: "-")
        let month = months[(Int(ymd[1]) ?? 1) - 1]
        let day = Int(ymd[2]) ?? 1
        return "\(weekday), \(day) \(month) \(ymd[0]) \(parts[1].prefix(8)) +0000"
    }
}

/// Standard Webhooks signatures: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
/// keyed by the secret's bytes (a `whsec_` secret is base64 after the prefix).
package enum WebhookSignature {
    package static func key(fromSecret secret: String) -> Data {
        if secret.hasPrefix("whsec_"), let decoded = Data(base64Encoded: String(secret.dropFirst(6))) { return decoded }
        return Data(secret.utf8)
    }

    package static func sign(id: String, timestamp: Int64, body: Data, secret: String) -> String {
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(body)
        return "v1," + HMACSHA256.authenticationCode(for: message, key: key(fromSecret: secret)).base64EncodedString()
    }
}
