import HTTPTypes
import Hummingbird
import Logging
import PuntosRuntime
import PuntosWebhooks

/// The webhook signature check of every route but the public ones (`Auth: {Authorizer: NONE}`): the
/// canonical v1/v2 signature over the request, claimed once in the PostgreSQL replay table. 401 with
/// `WWW-Authenticate` when refused, 503 with `Retry-After` when the replay table cannot be reached.
/// On success the caller and the digest of the checked body go on in the context, as API Gateway's
/// authorizer passes them to the function. Runs after `RequestBodyMiddleware` (it reads the body).
struct SignatureMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let authenticator: WebhookAuthenticator
    let metrics: Metrics
    let maximumBodyBytes: Int

    func handle(
        _ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response
    ) async throws -> Response {
        var request = request
        let body = Array(try await request.collectBody(upTo: maximumBodyBytes).readableBytesView)
        func header(_ name: String) -> String? { request.headers[HTTPField.Name(name)!] }
        let signed = SignedRequest(
            caller: header(SignedRequest.Header.caller), timestamp: header(SignedRequest.Header.timestamp),
            signature: header(SignedRequest.Header.signature), contentSHA256: header(SignedRequest.Header.contentSHA256),
            method: request.method.rawValue, target: request.uri.path + (request.uri.query.map { "?" + $0 } ?? ""),
            body: body)
        let outcome: Result<VerifiedRequest, AuthenticationFailure>
        do {
            outcome = try await authenticator.authenticate(signed)
        } catch {
            context.logger.warning("http.replay_store_unavailable", metadata: ["error": "\(error)"])
            throw GatewayError.unavailable(
                .databaseUnavailable, "the replay table in PostgreSQL cannot be reached; retry later")
        }
        switch outcome {
        case .success(let verified):
            var context = context
            context.authorizer = Authorizer(caller: verified.caller, contentSHA256: SHA256Digest.hash(body).hexString)
            return try await next(request, context)
        case .failure(let failure):
            metrics.increment("puntos_http_unauthorized_total", ["reason": failure.code])
            context.logger.notice("http.unauthorized", metadata: ["auth.reason": "\(failure.code)"])
            var error = GatewayError(refused: failure)
            error.headers = ["www-authenticate": "PuntosSignature"]
            throw error
        }
    }
}
