import CCurlShims
public import FoundationEssentials

/// Where and how to send mail: `smtp://host:port` (STARTTLS when the server offers it, or required
/// with `requireTLS`) or `smtps://host:port` (TLS from the start), with optional login.
public struct SMTPConfiguration: Sendable {
    public var url: String
    public var username: String?
    public var password: String?
    public var requireTLS: Bool
    public var timeoutSeconds: Double

    public init(
        url: String, username: String? = nil, password: String? = nil, requireTLS: Bool = false,
        timeoutSeconds: Double = 20
    ) {
        self.url = url
        self.username = username
        self.password = password
        self.requireTLS = requireTLS
        self.timeoutSeconds = timeoutSeconds
    }
}

/// Sends complete RFC 5322 messages over SMTP through libcurl.
public final class SMTPClient {
    private let easy = CurlEasy()
    public let configuration: SMTPConfiguration

    public init(configuration: SMTPConfiguration) { self.configuration = configuration }

    /// Sends `message` (headers and body, CRLF line ends) from `from` to every address in `to`.
    /// A 5xx reply throws a permanent `CurlError`; a refused connection or 4xx a temporary one.
    public func send(from: String, to recipients: [String], message: Data) throws(CurlError) {
        try easy.ready()
        easy.reset()
        let sink = CurlSink(upload: message)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        let recipientList = CurlStringList(recipients.map { "<\($0)>" })
        easy.set(CURLOPT_URL, configuration.url)
        easy.set(CURLOPT_MAIL_FROM, "<\(from)>")
        easy.set(CURLOPT_MAIL_RCPT, recipientList.pointer)
        easy.set(CURLOPT_UPLOAD, 1)
        easy.set(CURLOPT_INFILESIZE_LARGE, message.count)
        easy.set(CURLOPT_TIMEOUT_MS, Int(configuration.timeoutSeconds * 1000))
        easy.set(CURLOPT_CONNECTTIMEOUT_MS, 5000)
        easy.set(CURLOPT_USE_SSL, Int(configuration.requireTLS ? CURLUSESSL_ALL.rawValue : CURLUSESSL_TRY.rawValue))
        if let username = configuration.username { easy.set(CURLOPT_USERNAME, username) }
        if let password = configuration.password { easy.set(CURLOPT_PASSWORD, password) }
        _ = puntos_curl_set_read_function(easy.handle, CurlSink.read)
        _ = puntos_curl_set_pointer(easy.handle, CURLOPT_READDATA, context)
        try withExtendedLifetime((sink, recipientList)) { () throws(CurlError) in try easy.perform() }
    }
}
