/// Why a signed request is refused. Every case is answered 401 with `code` and `message`.
public enum AuthenticationFailure: Error, Sendable, Equatable, CaseIterable {
    /// X-Puntos-Caller, X-Puntos-Timestamp or X-Puntos-Signature is missing.
    case missing
    /// No secret is configured for the caller.
    case unknownCaller
    /// X-Puntos-Timestamp is not decimal Unix seconds.
    case malformedTimestamp
    /// X-Puntos-Timestamp is more than the window away from now.
    case stale
    /// X-Puntos-Signature is not `v1=` or `v2=` and exactly 64 hex digits.
    case malformedSignature
    /// A v1 signature signs the body, which this verifier cannot see (use v2 behind an authorizer).
    case bodyRequired
    /// A v2 signature without a well-formed X-Puntos-Content-SHA256 (64 hex digits).
    case contentDigestMissing
    /// X-Puntos-Content-SHA256 is not the SHA-256 of the body.
    case contentDigestMismatch
    /// The MAC is not the caller's over this request.
    case wrongSignature
    /// This exact signed request was already received within its window.
    case replayed

    public var code: String {
        switch self {
        case .missing: "signature_missing"
        case .unknownCaller: "unknown_caller"
        case .malformedTimestamp: "malformed_timestamp"
        case .stale: "stale_timestamp"
        case .malformedSignature: "malformed_signature"
        case .bodyRequired: "body_required"
        case .contentDigestMissing: "content_digest_missing"
        case .contentDigestMismatch: "content_digest_mismatch"
        case .wrongSignature: "wrong_signature"
        case .replayed: "replayed_request"
        }
    }

    public var message: String {
        switch self {
        case .missing: "sign the request: X-Puntos-Caller, X-Puntos-Timestamp and X-Puntos-Signature are required"
        case .unknownCaller: "the caller named in X-Puntos-Caller has no secret here"
        case .malformedTimestamp: "X-Puntos-Timestamp must be the Unix time in decimal seconds"
        case .stale: "X-Puntos-Timestamp is more than five minutes from now"
        case .malformedSignature: "X-Puntos-Signature must be v1= or v2= followed by exactly 64 hex digits"
        case .bodyRequired: "a v1 signature cannot be checked here: sign with v2 and X-Puntos-Content-SHA256"
        case .contentDigestMissing: "a v2 signature needs X-Puntos-Content-SHA256: the body's SHA-256 in 64 hex digits"
        case .contentDigestMismatch: "X-Puntos-Content-SHA256 is not the SHA-256 of the body"
        case .wrongSignature: "the signature does not match the request"
        case .replayed: "this signed request was already received"
        }
    }
}
