/// What a verifier needs of one request: the three (or, for v2, four) signature headers, the method,
/// the target and, where the verifier can see it, the body.
public struct SignedRequest: Sendable {
    /// The header names, as callers send them (HTTP header names are case-insensitive).
    public enum Header {
        public static let caller = "X-Puntos-Caller"
        public static let timestamp = "X-Puntos-Timestamp"
        public static let signature = "X-Puntos-Signature"
        public static let contentSHA256 = "X-Puntos-Content-SHA256"
    }

    public var caller: String?
    public var timestamp: String?
    public var signature: String?
    public var contentSHA256: String?
    /// The method as sent (`POST`).
    public var method: String
    /// The path and query as sent (`/cards?email=a%40b.c`).
    public var target: String
    /// The body; nil where the verifier cannot see it (an API Gateway Lambda authorizer), which only
    /// a v2 signature can be checked without.
    public var body: [UInt8]?

    public init(
        caller: String?, timestamp: String?, signature: String?, contentSHA256: String? = nil, method: String,
        target: String, body: [UInt8]?
    ) {
        self.caller = caller
        self.timestamp = timestamp
        self.signature = signature
        self.contentSHA256 = contentSHA256
        self.method = method
        self.target = target
        self.body = body
    }

    /// From a header dictionary whose names may be in any case (API Gateway lowercases them).
    public init(headers: [String: String], method: String, target: String, body: [UInt8]?) {
        var lowercased: [String: String] = [:]
        for (name, value) in headers { lowercased[name.lowercased()] = value }
        self.init(
            caller: lowercased[Header.caller.lowercased()], timestamp: lowercased[Header.timestamp.lowercased()],
            signature: lowercased[Header.signature.lowercased()],
            contentSHA256: lowercased[Header.contentSHA256.lowercased()], method: method, target: target, body: body)
    }
}

/// A request whose signature checked out: who sent it, and what its replay record is.
public struct VerifiedRequest: Sendable, Equatable {
    public let caller: String
    public let signature: Signature
    /// `X-Puntos-Timestamp`, Unix seconds.
    public let signedAt: Int64
    /// Until when the replay record must be kept (Unix seconds): past it the timestamp is stale on
    /// any instance whose clock is within one window of this one.
    public let expiresAt: Int64
}
