import CCrypto
public import FoundationEssentials
public import PuntosPostgres
import PuntosRuntime

/// Checks signed webhook requests: each caller signs with its own secret.
///
///     X-Puntos-Caller:         pos
///     X-Puntos-Timestamp:      1763840000                  (Unix seconds, decimal)
///     X-Puntos-Signature:      v1=<hex HMAC-SHA256(secret, "<timestamp>.<METHOD>.<path?query>.<body>")>
///   or, behind an AWS API Gateway Lambda authorizer (which cannot see the body):
///     X-Puntos-Signature:      v2=<hex HMAC-SHA256(secret, "<timestamp>.<METHOD>.<path?query>.<hex sha256(body)>")>
///     X-Puntos-Content-SHA256: <hex sha256(body)>
///
/// `verify` checks, in this order: the headers are there, the caller has a secret, the timestamp is
/// within `window` seconds of now, the signature is canonical (`Signature(parsing:)`), for v2 the
/// digest header is well formed and (where the body is given) is the body's, and the MAC is right,
/// compared in constant time. It writes nothing; `verifyAndClaim` then records the MAC in the
/// `ReplayStore`, so the same signed request is accepted once, on every instance, for every method.
///
///     let verifier = WebhookVerifier(secrets: ["pos": Array("s3cret".utf8)])
///     switch try verifier.verifyAndClaim(request, on: connection) {
///     case .success(let verified): ... verified.caller ...
///     case .failure(let failure): ... 401, failure.code ...
///     }
public struct WebhookVerifier: Sendable {
    /// How far a timestamp may be from now, either way, in seconds.
    public static let window: Int64 = 300

    private let secrets: [String: [UInt8]]

    public init(secrets: [String: [UInt8]]) { self.secrets = secrets }

    /// `pos=secret1,erp=secret2` (the template's `WebhookSecrets` parameter); pairs without `=` or
    /// with an empty secret are left out.
    public init(specification: String) {
        var secrets: [String: [UInt8]] = [:]
        for pair in specification.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = Self.trimmed(parts[0]), secret = Self.trimmed(parts[1])
            guard !name.isEmpty, !secret.isEmpty else { continue }
            secrets[name] = Array(secret.utf8)
        }
        self.init(secrets: secrets)
    }

    /// The callers that have a secret, sorted.
    public var callers: [String] { secrets.keys.sorted() }

    /// Whether the request is signed by a known caller, now; writes nothing.
    public func verify(_ request: SignedRequest, now: Date = Date()) -> Result<VerifiedRequest, AuthenticationFailure> {
        guard let caller = request.caller, let timestampText = request.timestamp, let signatureText = request.signature
        else { return .failure(.missing) }
        guard let secret = secrets[caller] else { return .failure(.unknownCaller) }
        guard let signedAt = Self.unixSeconds(timestampText) else { return .failure(.malformedTimestamp) }
        let current = Int64(now.timeIntervalSince1970.rounded(.down))
        guard abs(current - signedAt) <= Self.window else { return .failure(.stale) }
        guard let signature = Signature(parsing: signatureText) else { return .failure(.malformedSignature) }
        let message: [UInt8]
        switch signature.scheme {
        case .v1:
            guard let body = request.body else { return .failure(.bodyRequired) }
            message = SignedMessage.v1(timestamp: timestampText, method: request.method, target: request.target, body: body)
        case .v2:
            guard let header = request.contentSHA256, header.utf8.count == 64, let digest = Hex.decode(header) else {
                return .failure(.contentDigestMissing)
            }
            if let body = request.body, !Self.constantTimeEqual(Array(SHA256Digest.hash(body)), digest) {
                return .failure(.contentDigestMismatch)
            }
            message = SignedMessage.v2(
                timestamp: timestampText, method: request.method, target: request.target, bodyDigest: digest)
        }
        guard HMACSHA256.isValid(signature.mac, for: message, key: secret) else { return .failure(.wrongSignature) }
        return .success(
            VerifiedRequest(
                caller: caller, signature: signature, signedAt: signedAt, expiresAt: signedAt + 2 * Self.window))
    }

    /// `verify`, then the replay check: a request that verifies is claimed in the `ReplayStore`, and
    /// refused as `.replayed` when its MAC was claimed before. Throws when PostgreSQL cannot be
    /// reached (answer 503: nothing was decided).
    public func verifyAndClaim(_ request: SignedRequest, now: Date = Date(), on connection: PostgresConnection) throws
        -> Result<VerifiedRequest, AuthenticationFailure>
    {
        switch verify(request, now: now) {
        case .failure(let failure):
            return .failure(failure)
        case .success(let verified):
            return try ReplayStore.claim(verified, on: connection) ? .success(verified) : .failure(.replayed)
        }
    }

    /// Decimal Unix seconds, 1 to 12 ASCII digits, nothing else (no sign, space, fraction or exponent).
    static func unixSeconds(_ text: String) -> Int64? {
        let utf8 = text.utf8
        guard (1...12).contains(utf8.count), utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return Int64(text)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { left in
            b.withUnsafeBytes { right in CRYPTO_memcmp(left.baseAddress, right.baseAddress, a.count) == 0 }
        }
    }

    private static func trimmed(_ text: Substring) -> String {
        String(text.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
