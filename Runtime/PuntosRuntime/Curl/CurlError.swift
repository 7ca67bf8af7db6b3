import CCurlShims

/// A failed transfer: libcurl's code and message, and whether trying again later may help.
public struct CurlError: Error, Sendable, CustomStringConvertible {
    public let code: Int
    public let message: String
    /// The protocol's own answer when there was one (an SMTP reply code such as 550).
    public let responseCode: Int

    public init(code: Int, message: String, responseCode: Int = 0) {
        self.code = code
        self.message = message
        self.responseCode = responseCode
    }

    init(_ code: CURLcode, responseCode: Int = 0, detail: String = "") {
        let text = String(cString: puntos_curl_easy_strerror(code))
        self.init(code: Int(code.rawValue), message: detail.isEmpty ? text : "\(text): \(detail)", responseCode: responseCode)
    }

    /// Failures of the network or the peer's availability (refused, timed out, a 4xx SMTP reply) are
    /// temporary; a 5xx SMTP reply (mailbox unknown, rejected) or a malformed request are permanent.
    public var isTemporary: Bool {
        if (500...599).contains(responseCode) { return false }
        if (400...499).contains(responseCode) { return true }
        switch code {
        case Int(CURLE_URL_MALFORMAT.rawValue), Int(CURLE_UNSUPPORTED_PROTOCOL.rawValue),
            Int(CURLE_LOGIN_DENIED.rawValue), Int(CURLE_BAD_FUNCTION_ARGUMENT.rawValue):
            return false
        default:
            return true
        }
    }

    public var description: String {
        responseCode == 0 ? "curl \(code): \(message)" : "curl \(code) (reply \(responseCode)): \(message)"
    }
}
