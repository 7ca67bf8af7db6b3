import Hummingbird
import Logging

/// Counts every answer by route and status (`puntos_http_requests_total`) and records its latency
/// by route (`puntos_http_request_duration_seconds`).
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = GatewayContext
    let metrics: Metrics

    func handle(
        _ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        // The route is known only once the request was dispatched: read it after `next`.
        let route = context.route
        metrics.increment("puntos_http_requests_total", ["route": route, "status": String(response.status.code)])
        metrics.observe(
            "puntos_http_request_duration_seconds", ["route": route], seconds: (ContinuousClock.now - started).seconds)
        return response
    }
}
