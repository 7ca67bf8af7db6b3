import Hummingbird
import PuntosRuntime

/// Reads the body of a request to a template route or the queue intake before anything looks at it:
/// 413 at once when its announced length is over the limit, 408 when it does not arrive in time (both
/// close the connection), 400 when a read (GET, HEAD) carries one. What follows finds the body read,
/// in `request.body`.
struct RequestBodyMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let maximumBytes: Int
    let timeout: Duration

    func handle(
        _ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response
    ) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: maximumBytes, within: timeout)
        if request.method == .get || request.method == .head, body.readableBytes > 0 {
            let method = request.method.rawValue
            throw GatewayError(status: 400, code: .bodyNotAllowed, message: "a \(method) request carries no body")
        }
        return try await next(request, context)
    }
}
