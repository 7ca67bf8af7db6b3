import Foundation
import Hummingbird
import Logging
import NIOCore
import PuntosPostgres
import PuntosRuntime

/// The HTTP front of `puntos up`: the template's routes as API Gateway v2 events, the Lambda invoke
/// endpoint, queue intake, `/healthz` and `/metrics`.
///
/// Every request goes through `RequestLogMiddleware` (request id, log line), `RequestMetricsMiddleware`
/// and `ErrorAnswerMiddleware`; then it is dispatched the way API Gateway matches routes (`RouteTable`:
/// literal segments beat `{parameters}`, 405 for a known path, HEAD served by GET), and a template
/// route or the queue intake goes through `RequestBodyMiddleware` and, unless the route is public,
/// `SignatureMiddleware`, as a Hummingbird route group carries its middleware.
struct Gateway: HTTPResponder {
    typealias Context = GatewayContext

    let template: Template
    let routes: RouteTable
    /// What runs each function's events, by name.
    let functions: [String: any FunctionInvoker]
    /// The warm worker pools, for `/healthz` and the gauges of `/metrics` (none in in-process tests).
    var pools: [String: WorkerPool] = [:]
    let authenticator: WebhookAuthenticator
    let queues: QueueService?
    let health: @Sendable () async -> Bool
    let metrics: Metrics
    let logger: Logger
    let maximumBodyBytes: Int
    let maximumWait: Duration
    /// How long a request body may take to arrive, in all.
    var bodyTimeout: Duration = .seconds(30)

    func respond(to request: Request, context: GatewayContext) async throws -> Response {
        try await middleware.handle(request, context: context) { try await dispatch($0, context: $1) }
    }

    @MiddlewareFixedTypeBuilder<Request, Response, GatewayContext>
    var middleware: some RouterMiddleware<GatewayContext> {
        RequestLogMiddleware(logger: logger)
        RequestMetricsMiddleware(metrics: metrics)
        ErrorAnswerMiddleware()
    }

    /// The middleware of a template route or the queue intake, around `handler`.
    private func guarded(
        _ request: Request, context: GatewayContext, signed: Bool,
        _ handler: (Request, GatewayContext) async throws -> Response
    ) async throws -> Response {
        let body = RequestBodyMiddleware(maximumBytes: maximumBodyBytes, timeout: bodyTimeout)
        guard signed else { return try await body.handle(request, context: context, next: handler) }
        let signature = SignatureMiddleware(authenticator: authenticator, metrics: metrics, maximumBodyBytes: maximumBodyBytes)
        return try await body.handle(request, context: context) { request, context in
            try await signature.handle(request, context: context, next: handler)
        }
    }

    private func dispatch(_ request: Request, context: GatewayContext) async throws -> Response {
        let path = request.uri.path
        let method = request.method.rawValue
        if method == "GET", path == "/healthz" {
            context.route = "/healthz"
            return await healthz()
        }
        if method == "GET", path == "/metrics" {
            context.route = "/metrics"
            return await metricsText()
        }
        if path.hasPrefix("/2015-03-31/functions/") {
            context.route = "invoke"
            return try await invoke(request, context: context)
        }
        if method == "POST", path.hasPrefix("/queues/"), path.hasSuffix("/messages") {
            context.route = "POST /queues/{queue}/messages"
            let parts = path.split(separator: "/")
            guard parts.count == 3, let queues else {
                throw GatewayError(status: 404, code: .noRoute, message: "no such queue")
            }
            return try await guarded(request, context: context, signed: true) { request, context in
                try await enqueue(request, queue: String(parts[1]), on: queues, context: context)
            }
        }
        switch routes.match(method: method, path: path) {
        case .notFound:
            throw GatewayError(status: 404, code: .noRoute, message: "no route for \(method) \(path)")
        case .methodNotAllowed:
            throw GatewayError(status: 405, code: .methodNotAllowed, message: "\(method) is not served on \(path)")
        case .found(let match):
            context.route = match.route.routeKey
            return try await guarded(request, context: context, signed: !match.route.isPublic) { request, context in
                try await forward(request, match: match, context: context)
            }
        }
    }

    /// `POST /queues/{queue}/messages`: the body as one message; 503 when PostgreSQL cannot take it.
    private func enqueue(_ request: Request, queue: String, on queues: QueueService, context: GatewayContext) async throws
        -> Response
    {
        var request = request
        let body = Data(try await request.collectBody(upTo: maximumBodyBytes).readableBytesView)
        let messageId: String
        do {
            messageId = try await queues.enqueue(queue: queue, body: body)
        } catch let error as PostgresError {
            context.logger.warning("queue.enqueue_failed", metadata: ["error": "\(error)"])
            throw GatewayError.unavailable(
                .databaseUnavailable, "the queue cannot be reached in PostgreSQL; retry later")
        }
        return json(201, ["message_id": messageId, "queue": queue])
    }

    func json(_ status: Int, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
