import HTTPTypes
import Hummingbird
import Logging
import PuntosRuntime

/// Gives every request its id (the caller's `X-Request-Id` when it is a sane token, else a fresh
/// one), a child logger carrying it, the `X-Request-Id` header on the answer, and one `http.request`
/// log line with the method, route, status and duration.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    static let header = HTTPField.Name("X-Request-Id")!
    let logger: Logger

    func handle(
        _ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        var context = context
        context.requestId = Self.requestId(from: request.headers[Self.header]) ?? context.requestId
        context.logger = logger.with(requestId: context.requestId)
        var response = try await next(request, context)
        response.headers[Self.header] = context.requestId
        context.logger.info(
            "http.request",
            metadata: [
                "http.method": "\(request.method.rawValue)", "http.route": "\(context.route)",
                "http.status": "\(response.status.code)",
                "http.duration_ms": "\(Int((ContinuousClock.now - started).seconds * 1000))",
            ])
        return response
    }

    /// The caller's request id when it is 8 to 64 letters, digits, `-` or `_`; nil otherwise.
    static func requestId(from header: String?) -> String? {
        guard let header, (8...64).contains(header.count),
            header.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { return nil }
        return header
    }
}
