import FoundationEssentials
import PuntosRuntime

/// Decides one API Gateway authorizer request: the `X-Puntos-*` signature, its time window and its
/// first use. A request is authorized when
///
/// - `X-Puntos-Caller` names a caller of `WEBHOOK_SECRETS` (`pos=secret,erp=secret`),
/// - `X-Puntos-Timestamp` (Unix seconds) is within five minutes of now,
/// - `X-Puntos-Signature: v2=<hex HMAC-SHA256(secret, "TS.METHOD.PATH?QUERY.HEX_SHA256(BODY)")>` with
///   the body's digest in `X-Puntos-Content-SHA256` (the authorizer never sees the body: the function
///   checks the digest against it, see `PUNTOS_BODY_DIGEST`); GET and HEAD may also be signed `v1=`
///   over an empty body,
/// - and the signature was not used before (the replay table `webhook_replays`, which `puntos up`
///   claims in too: one signed request is accepted once, on AWS and on one machine).
///
/// Denied requests get `isAuthorized: false` (API Gateway answers 403) with the reason in the context,
/// which API Gateway does not pass on; the log line says it.
public struct WebhookAuthorizer: Sendable {
    public static let window: Double = 300

    public let secrets: [String: Data]

    public init(secrets: [String: Data]) { self.secrets = secrets }

    /// `pos=secret1,erp=secret2`; an empty or malformed list is a configuration error.
    public init(specification: String) throws(FunctionError) {
        var secrets: [String: Data] = [:]
        for pair in specification.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let name = parts.first.map { String($0).trimmed } ?? ""
            let secret = parts.count == 2 ? String(parts[1]).trimmed : ""
            guard !name.isEmpty, !secret.isEmpty else {
                throw .badInput(
                    "invalid_webhook_secrets", field: "WEBHOOK_SECRETS", "WEBHOOK_SECRETS is caller=secret,caller=secret")
            }
            secrets[name] = Data(secret.utf8)
        }
        guard !secrets.isEmpty else {
            throw .badInput("missing_webhook_secrets", field: "WEBHOOK_SECRETS", "WEBHOOK_SECRETS names no caller")
        }
        self.secrets = secrets
    }

    /// What the caller signed.
    public static func message(timestamp: String, method: String, target: String, contentSHA256: String) -> Data {
        Data("\(timestamp).\(method).\(target).\(contentSHA256)".utf8)
    }

    public static let emptyBodySHA256 = SHA256Digest.hash(Data()).hexString

    /// The decision. `claim` records a verified signature in the replay table and says whether it is
    /// new; it may throw when the table cannot be reached (the invocation then fails: API Gateway
    /// answers 500, nothing was decided).
    public func authorize(
        _ event: AuthorizerEvent, now: Date = Date(), claim: (ReplayClaim) throws -> Bool
    ) throws -> AuthorizerResponse {
        guard let caller = event.header("x-puntos-caller"), let timestamp = event.header("x-puntos-timestamp"),
            let signature = event.header("x-puntos-signature"), let method = event.method, let target = event.target
        else { return .denied("signature_missing") }
        guard let secret = secrets[caller] else { return .denied("unknown_caller") }
        guard (1...12).contains(timestamp.utf8.count), timestamp.utf8.allSatisfy({ (48...57).contains($0) }),
            let seconds = Int64(timestamp)
        else { return .denied("malformed_timestamp") }
        guard abs(Int64(now.timeIntervalSince1970.rounded(.down)) - seconds) <= Int64(Self.window) else {
            return .denied("stale_timestamp")
        }
        let reads = method == "GET" || method == "HEAD"
        var given = Data()
        let digest: String
        if signature.hasPrefix("v2=") {
            guard let header = event.header("x-puntos-content-sha256")?.lowercased(), header.count == 64,
                header.allSatisfy(\.isHexDigit)
            else { return .denied("content_digest_missing") }
            digest = header
            guard let bytes = Data(hexDigits: String(signature.dropFirst(3))) else { return .denied("wrong_signature") }
            given = bytes
        } else if signature.hasPrefix("v1="), reads {
            // A read has no body: v1 over "TS.METHOD.TARGET." is what puntos up checks too.
            digest = Self.emptyBodySHA256
            guard let bytes = Data(hexDigits: String(signature.dropFirst(3))) else { return .denied("wrong_signature") }
            guard HMACSHA256.isValid(bytes, for: Data("\(timestamp).\(method).\(target).".utf8), key: secret) else {
                return .denied("wrong_signature")
            }
            given = bytes
        } else {
            return .denied(signature.hasPrefix("v1=") ? "v2_signature_required" : "wrong_signature")
        }
        if signature.hasPrefix("v2=") {
            let message = Self.message(timestamp: timestamp, method: method, target: target, contentSHA256: digest)
            guard HMACSHA256.isValid(given, for: message, key: secret) else { return .denied("wrong_signature") }
        }
        guard given.count == 32 else { return .denied("wrong_signature") }
        let record = ReplayClaim(
            caller: caller, mac: [UInt8](given), signedAt: seconds, expiresAt: seconds + 2 * Int64(Self.window))
        guard try claim(record) else { return .denied("replayed_request") }
        return AuthorizerResponse(isAuthorized: true, context: ["caller": caller, "content_sha256": digest])
    }
}

extension String {
    fileprivate var trimmed: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}

extension Data {
    /// Bytes from an even number of hex digits; nil otherwise.
    init?(hexDigits text: String) {
        guard text.count % 2 == 0, !text.isEmpty else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count / 2)
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}

/// A verified signature to record: the replay table's key is (caller, MAC).
public struct ReplayClaim: Sendable, Equatable {
    public var caller: String
    public var mac: [UInt8]
    public var signedAt: Int64
    public var expiresAt: Int64
}
