import FoundationEssentials
import PuntosCore
import PuntosRuntime
import PuntosWebhooks

/// Sends approved payouts to the provider's HTTP API: one signed POST per request, the payout's number
/// as `Idempotency-Key` (the same on every retry, so the provider pays once), retried with backoff on
/// timeouts, 408, 425, 429 and 5xx, dead on any other answer or when the retry policy gives up.
///
///     POST $PUNTOS_PAYOUT_URL
///     Idempotency-Key:    P000000000042
///     X-Puntos-Caller:    puntos                    ($PUNTOS_PAYOUT_SIGNER)
///     X-Puntos-Timestamp: 1763840000
///     X-Puntos-Signature: v1=<hex HMAC-SHA256($PUNTOS_PAYOUT_SECRET, "<timestamp>.POST.<path>.<body>")>
///     {"payout_id":"P000000000042","amount":"150.00","currency":"RUB","destination":"tok_...","callback_url":"..."}
///
/// A 2xx answer may carry `{"reference": "..."}`: the provider's reference, kept on the payout.
struct PayoutSender {
    let provider: PayoutProvider
    let retry: RetryPolicy
    let random: () -> Double
    private let http = HTTPClient()

    init(provider: PayoutProvider, retry: RetryPolicy, random: @escaping () -> Double) {
        self.provider = provider
        self.retry = retry
        self.random = random
    }

    func send(_ request: DuePayoutRequest, now: Date) -> PayoutRequestResult {
        var result = PayoutRequestResult(request: request, status: "dead", outcome: "permanent_failure")
        guard let url = provider.url, let secret = provider.secret else {
            // Not configured (`sendPayouts` claims nothing then): wait for it rather than lose the payout.
            return retried(result, code: nil, detail: "payout_provider_not_configured", now: now)
        }
        let body = Data(request.body.utf8)
        let timestamp = String(Int64(Date().timeIntervalSince1970))
        let signature = SignedMessage.sign(
            scheme: .v1, secret: Array(secret.utf8), timestamp: timestamp, method: "POST", target: Self.target(of: url),
            body: body)
        let headers = [
            (name: "Content-Type", value: "application/json"), (name: "Idempotency-Key", value: request.idempotencyKey),
            (name: SignedRequest.Header.caller, value: provider.signer),
            (name: SignedRequest.Header.timestamp, value: timestamp),
            (name: SignedRequest.Header.signature, value: signature.headerValue),
        ]
        let outcome: SendOutcome
        var reference: String?
        do {
            let response = try http.perform(
                HTTPRequest(method: "POST", url: url, headers: headers, body: body, timeoutSeconds: provider.timeoutSeconds))
            outcome = .http(response.status)
            reference = Self.reference(in: response.body)
        } catch {
            outcome = .curl(error)
        }
        switch outcome {
        case .sent(let code):
            result.status = "sent"
            result.outcome = "sent"
            result.responseCode = code
            result.providerReference = reference
            return result
        case .permanent(let code, let detail):
            result.responseCode = code
            result.detail = detail
            return result
        case .temporary(let code, let detail):
            return retried(result, code: code, detail: detail, now: now)
        }
    }

    private func retried(_ result: PayoutRequestResult, code: Int?, detail: String, now: Date) -> PayoutRequestResult {
        var result = result
        result.outcome = "temporary_failure"
        result.responseCode = code
        result.detail = detail
        let attempts = result.request.attempts + 1
        if !retry.givesUp(after: attempts) {
            result.status = "pending"
            result.nextAttemptAt = now.addingTimeInterval(retry.delay(afterAttempt: attempts, random: random()))
        }
        return result
    }

    /// The path and query of `url`, as the signature covers them (`/v1/payouts`).
    static func target(of url: String) -> String {
        guard let scheme = url.firstRange(of: "://") else { return "/" }
        let rest = url[scheme.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return "/" }
        return String(rest[slash...])
    }

    /// `reference` of a JSON object answer, when it is text of 1 to 128 characters.
    static func reference(in body: Data) -> String? {
        guard case .object(let object)? = try? JSONCoding.decoder().decode(JSONValue.self, from: body),
            let reference = object["reference"]?.stringValue, (1...128).contains(reference.count)
        else { return nil }
        return reference
    }
}
