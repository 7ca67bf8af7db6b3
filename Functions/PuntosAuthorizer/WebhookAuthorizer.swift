public import FoundationEssentials
public import PuntosRuntime
public import PuntosWebhooks

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
    public static let window = Double(WebhookVerifier.window)

    /// The check itself, shared with `puntos up` (PuntosWebhooks): canonical signatures, HMAC,
    /// window. This type only adapts the authorizer event and the simple response.
    public let verifier: WebhookVerifier

    public init(specification: String) throws(FunctionError) {
        for pair in specification.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let name = parts.first.map { String($0).trimmed } ?? ""
            let secret = parts.count == 2 ? String(parts[1]).trimmed : ""
            guard !name.isEmpty, !secret.isEmpty else {
                throw .badInput(
                    .invalidWebhookSecrets, field: "WEBHOOK_SECRETS", "WEBHOOK_SECRETS is caller=secret,caller=secret")
            }
        }
        let verifier = WebhookVerifier(specification: specification)
        guard !verifier.callers.isEmpty else {
            throw .badInput(.missingWebhookSecrets, field: "WEBHOOK_SECRETS", "WEBHOOK_SECRETS names no caller")
        }
        self.verifier = verifier
    }

    /// The decision. `claim` records a verified signature in the replay table (`ReplayStore`) and
    /// says whether it is new; it may throw when the table cannot be reached (the invocation then
    /// fails: API Gateway answers 500, nothing was decided).
    public func authorize(
        _ event: AuthorizerEvent, now: Date = Date(), claim: (VerifiedRequest) throws -> Bool
    ) throws -> AuthorizerResponse {
        guard let method = event.method, let target = event.target else { return .denied("signature_missing") }
        // The authorizer never sees a body. A read has none (puntos up refuses GET/HEAD bodies), so
        // a read may be signed v1 over the empty body; a write must be v2 over the signed digest.
        let reads = method == "GET" || method == "HEAD"
        let request = SignedRequest(
            caller: event.header("x-puntos-caller"), timestamp: event.header("x-puntos-timestamp"),
            signature: event.header("x-puntos-signature"), contentSHA256: event.header("x-puntos-content-sha256"),
            method: method, target: target, body: reads ? [] : nil)
        switch verifier.verify(request, now: now) {
        case .failure(let failure):
            return .denied(failure == .bodyRequired ? "v2_signature_required" : failure.code)
        case .success(let verified):
            guard try claim(verified) else { return .denied(AuthenticationFailure.replayed.code) }
            let digest =
                verified.signature.scheme == .v2
                ? (request.contentSHA256 ?? "").lowercased() : SignedMessage.contentDigest(of: [UInt8]())
            return AuthorizerResponse(isAuthorized: true, context: ["caller": verified.caller, "content_sha256": digest])
        }
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
