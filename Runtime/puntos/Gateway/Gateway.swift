import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PuntosPostgres
import PuntosRuntime
import PuntosWebhooks

/// A request context that knows who is calling (the invoke endpoint answers loopback callers only).
struct GatewayContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?
    /// The connection, so that an answer given before the body was read can stop reading it.
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        channel = source.channel
    }
}

/// The HTTP front of `puntos up`: the template's routes as API Gateway v2 events, the Lambda invoke
/// endpoint, queue intake, `/healthz` and `/metrics`. Every answer carries `x-request-id`.
struct Gateway: Sendable {
    let template: Template
    let routes: RouteTable
    let pools: [String: WorkerPool]
    let authenticator: WebhookAuthenticator
    let queues: QueueService?
    let health: @Sendable () async -> Bool
    let metrics: Metrics
    let logger: Logger
    let maximumBodyBytes: Int
    let maximumWait: Duration
    /// How long a request body may take to arrive, in all.
    var bodyTimeout: Duration = .seconds(30)

    func respond(_ request: Request, context: GatewayContext) async -> Response {
        let started = ContinuousClock.now
        let requestId = Self.requestId(from: request.headers[HTTPField.Name("X-Request-Id")!])
        let logger = self.logger.with(requestId: requestId)
        var label = "unmatched"
        var response: Response
        do {
            response = try await route(request, context: context, requestId: requestId, label: &label)
        } catch let error as GatewayError {
            response = error.response
            if error.closesConnection {
                // The body was not read (too large, too slow): answer, then stop reading the connection.
                response.headers[.connection] = "close"
                let channel = context.channel
                let bytes = ByteBuffer(bytes: error.bodyBytes)
                response.body = ResponseBody(contentLength: bytes.readableBytes) { writer in
                    try await writer.write(bytes)
                    try await writer.finish(nil)
                    channel.close(mode: .input, promise: nil)
                }
            }
        } catch {
            logger.error("http.failed", metadata: ["error": "\(error)"])
            response = GatewayError(status: 500, code: "internal_error", message: "puntos failed to handle the request").response
        }
        response.headers[HTTPField.Name("X-Request-Id")!] = requestId
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.increment("puntos_http_requests_total", ["route": label, "status": String(response.status.code)])
        metrics.observe("puntos_http_request_duration_seconds", ["route": label], seconds: seconds)
        logger.info(
            "http.request",
            metadata: [
                "http.method": "\(request.method.rawValue)", "http.route": "\(label)", "http.status": "\(response.status.code)",
                "http.duration_ms": "\(Int(seconds * 1000))",
            ])
        return response
    }

    private func route(_ request: Request, context: GatewayContext, requestId: String, label: inout String) async throws
        -> Response
    {
        let path = request.uri.path
        let method = request.method.rawValue
        if method == "GET", path == "/healthz" {
            label = "/healthz"
            return await healthz()
        }
        if method == "GET", path == "/metrics" {
            label = "/metrics"
            await refreshGauges()
            return
                (Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                    body: .init(byteBuffer: ByteBuffer(string: metrics.render()))))
        }
        if path.hasPrefix("/2015-03-31/functions/") {
            label = "invoke"
            return try await invoke(request, context: context, requestId: requestId)
        }
        if method == "POST", path.hasPrefix("/queues/"), path.hasSuffix("/messages") {
            label = "POST /queues/{queue}/messages"
            let parts = path.split(separator: "/")
            guard parts.count == 3, let queues else {
                throw GatewayError(status: 404, code: "no_route", message: "no such queue")
            }
            let body = try await collect(request)
            try await authenticate(request, body: body)
            let queue = String(parts[1])
            let messageId: String
            do {
                messageId = try await queues.enqueue(queue: queue, body: body)
            } catch let error as PostgresError {
                logger.warning("queue.enqueue_failed", metadata: ["error": "\(error)"])
                var failure = GatewayError(
                    status: 503, code: "database_unavailable", message: "the queue cannot be reached in PostgreSQL; retry later")
                failure.headers["retry-after"] = "1"
                throw failure
            }
            return json(201, ["message_id": messageId, "queue": queue])
        }
        switch routes.match(method: method, path: path) {
        case .notFound:
            throw GatewayError(status: 404, code: "no_route", message: "no route for \(method) \(path)")
        case .methodNotAllowed:
            throw GatewayError(status: 405, code: "method_not_allowed", message: "\(method) is not served on \(path)")
        case .found(let match):
            label = match.route.routeKey
            let body = try await collect(request)
            if method == "GET" || method == "HEAD", !body.isEmpty {
                throw GatewayError(status: 400, code: "body_not_allowed", message: "a \(method) request carries no body")
            }
            if !match.route.isPublic { try await authenticate(request, body: body) }
            return try await forward(request, body: body, match: match, context: context, requestId: requestId)
        }
    }

    /// The request body, refused at once when its announced length is over the limit (413), and when
    /// it does not arrive in `bodyTimeout` (408); both close the connection.
    private func collect(_ request: Request) async throws -> Data {
        let limit = maximumBodyBytes
        if let announced = request.headers[.contentLength] {
            guard let length = Int(announced), length >= 0 else {
                throw GatewayError(status: 400, code: "invalid_content_length", message: "Content-Length is not a length")
            }
            if length > limit {
                var error = GatewayError(status: 413, code: "body_too_large", message: "the request body is over \(limit) bytes")
                error.closesConnection = true
                throw error
            }
        }
        let timeout = bodyTimeout
        let outcome: Data? = try await withThrowingTaskGroup(of: Data?.self) { group in
            group.addTask {
                var request = request
                do {
                    return Data(try await request.collectBody(upTo: limit).readableBytesView)
                } catch is CancellationError {
                    return nil
                } catch {
                    var failure = GatewayError(
                        status: 413, code: "body_too_large", message: "the request body is over \(limit) bytes")
                    failure.closesConnection = true
                    throw failure
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let outcome else {
            var error = GatewayError(
                status: 408, code: "body_timeout", message: "the request body did not arrive within \(timeout)")
            error.closesConnection = true
            throw error
        }
        return outcome
    }

    private func authenticate(_ request: Request, body: Data) async throws {
        func header(_ name: String) -> String? { request.headers[HTTPField.Name(name)!] }
        let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        let signed = SignedRequest(
            caller: header(SignedRequest.Header.caller), timestamp: header(SignedRequest.Header.timestamp),
            signature: header(SignedRequest.Header.signature), contentSHA256: header(SignedRequest.Header.contentSHA256),
            method: request.method.rawValue, target: target, body: Array(body))
        let outcome: Result<VerifiedRequest, AuthenticationFailure>
        do {
            outcome = try await authenticator.authenticate(signed)
        } catch {
            logger.warning("http.replay_store_unavailable", metadata: ["error": "\(error)"])
            var failure = GatewayError(
                status: 503, code: "database_unavailable",
                message: "the replay table in PostgreSQL cannot be reached; retry later")
            failure.headers["retry-after"] = "1"
            throw failure
        }
        switch outcome {
        case .success: return
        case .failure(let failure):
            metrics.increment("puntos_http_unauthorized_total", ["reason": failure.code])
            logger.notice("http.unauthorized", metadata: ["auth.reason": "\(failure.code)"])
            var error = GatewayError(status: 401, code: failure.code, message: failure.message)
            error.headers = ["www-authenticate": "PuntosSignature"]
            throw error
        }
    }

    /// An HTTP request as an API Gateway HTTP API (payload 2.0) event, and the function's answer back.
    private func forward(
        _ request: Request, body: Data, match: RouteTable.Match, context: GatewayContext,
        requestId: String
    ) async throws -> Response {
        guard let pool = pools[match.function] else {
            throw GatewayError(status: 503, code: "function_unavailable", message: "no function \(match.function)")
        }
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + "," + field.value } ?? field.value
        }
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            query[name] = query[name].map { $0 + "," + String(value) } ?? String(value)
        }
        let text = String(data: body, encoding: .utf8)
        let now = Date()
        var requestContext: [String: Any] = [
            "accountId": "000000000000", "apiId": "puntos", "domainName": headers["host"] ?? "127.0.0.1",
            "domainPrefix": "puntos", "requestId": requestId, "routeKey": match.route.routeKey, "stage": "$default",
            "time": Self.clfDate(now), "timeEpoch": Int64(now.timeIntervalSince1970 * 1000),
            "http": [
                "method": request.method.rawValue, "path": request.uri.path, "protocol": "HTTP/1.1",
                "sourceIp": Self.ip(context.remoteAddress), "userAgent": headers["user-agent"] ?? "",
            ],
        ]
        if let caller = headers["x-puntos-caller"], !match.route.isPublic {
            // As API Gateway's webhook authorizer passes it on: the caller, and the digest of the body that
            // was checked (functions with PUNTOS_BODY_DIGEST=authorizer, as deploy.yaml sets, compare it).
            requestContext["authorizer"] = [
                "lambda": ["caller": caller, "content_sha256": SHA256Digest.hash(body).hexString]
            ]
        }
        var event: [String: Any] = [
            "version": "2.0", "routeKey": match.route.routeKey, "rawPath": request.uri.path,
            "rawQueryString": request.uri.query ?? "", "headers": headers, "requestContext": requestContext,
            "isBase64Encoded": text == nil,
        ]
        if !query.isEmpty { event["queryStringParameters"] = query }
        if !match.pathParameters.isEmpty { event["pathParameters"] = match.pathParameters }
        if !body.isEmpty { event["body"] = text ?? body.base64EncodedString() }
        let payload = try JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])
        let outcome = await pool.invoke(payload, requestId: requestId, maximumWait: maximumWait)
        switch outcome {
        case .success(let output):
            return Self.httpResponse(fromFunctionOutput: output)
        case .functionError(let document, let type):
            logger.warning("http.function_error", metadata: ["function.name": "\(match.function)", "error.type": "\(type)"])
            _ = document
            throw GatewayError(status: 502, code: "function_error", message: "the function failed (\(type))")
        case .failed(let failure):
            var error = GatewayError(status: failure.httpStatus, code: failure.code, message: failure.description)
            if failure.httpStatus == 503 { error.headers["retry-after"] = "1" }
            throw error
        }
    }

    /// `{statusCode, headers, body, isBase64Encoded}` as API Gateway reads it; any other JSON is a 200 body.
    static func httpResponse(fromFunctionOutput output: Data) -> Response {
        guard let object = (try? JSONSerialization.jsonObject(with: output)) as? [String: Any],
            let status = object["statusCode"] as? Int
        else {
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: output)))
        }
        var fields = HTTPFields()
        for (name, value) in object["headers"] as? [String: Any] ?? [:] {
            if let fieldName = HTTPField.Name(name) { fields[fieldName] = "\(value)" }
        }
        if fields[.contentType] == nil { fields[.contentType] = "application/json" }
        var bytes = Data()
        if let body = object["body"] as? String {
            bytes = (object["isBase64Encoded"] as? Bool == true) ? (Data(base64Encoded: body) ?? Data()) : Data(body.utf8)
        }
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: the Lambda invoke endpoint

    /// `POST /2015-03-31/functions/{name}/invocations`, as AWS's Runtime Interface Emulator serves it.
    private func invoke(_ request: Request, context: GatewayContext, requestId: String) async throws -> Response {
        guard Self.isLoopback(context.remoteAddress) else {
            throw GatewayError(
                status: 403, code: "forbidden", message: "the invoke endpoint answers callers on this machine only")
        }
        let parts = request.uri.path.split(separator: "/")
        guard request.method == .post, parts.count == 4, parts[3] == "invocations" else {
            throw GatewayError(status: 404, code: "no_route", message: "POST /2015-03-31/functions/{name}/invocations")
        }
        let name = String(parts[2].removingPercentEncoding?.split(separator: ":").last ?? parts[2])
        guard let function = template.function(named: name), let pool = pools[function.name] else {
            var error = GatewayError(status: 404, code: "ResourceNotFoundException", message: "Function not found: \(name)")
            error.headers["x-amzn-errortype"] = "ResourceNotFoundException"
            throw error
        }
        let payload = try await collect(request)
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name("X-Amz-Executed-Version")!] = "$LATEST"
        headers[HTTPField.Name("X-Amzn-RequestId")!] = requestId
        switch request.headers[HTTPField.Name("X-Amz-Invocation-Type")!] ?? "RequestResponse" {
        case "DryRun":
            return Response(status: .noContent, headers: headers)
        case "Event":
            let wait = Duration.seconds(function.timeoutSeconds)
            Task { _ = await pool.invoke(payload.isEmpty ? Data("{}".utf8) : payload, requestId: requestId, maximumWait: wait) }
            return Response(status: .accepted, headers: headers)
        default:
            break
        }
        let outcome = await pool.invoke(
            payload.isEmpty ? Data("{}".utf8) : payload, requestId: requestId,
            maximumWait: maximumWait)
        switch outcome {
        case .success(let output):
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: output)))
        case .functionError(let document, _):
            headers[HTTPField.Name("X-Amz-Function-Error")!] = "Unhandled"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: document)))
        case .failed(.busy), .failed(.stopping):
            var error = GatewayError(status: 429, code: "TooManyRequestsException", message: "Rate Exceeded.")
            error.headers["x-amzn-errortype"] = "TooManyRequestsException"
            error.headers["retry-after"] = "1"
            throw error
        case .failed(.missingExecutable(let path)):
            throw GatewayError(status: 503, code: "ServiceException", message: "the function is not built (\(path))")
        case .failed(let failure):
            headers[HTTPField.Name("X-Amz-Function-Error")!] = "Unhandled"
            let type = failure == .timedOut ? "Sandbox.Timedout" : "Runtime.ExitError"
            let document = try JSONSerialization.data(withJSONObject: ["errorType": type, "errorMessage": failure.description])
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
    }

    // MARK: health and metrics

    private func healthz() async -> Response {
        let database = await health()
        var poolStates: [String: Any] = [:]
        var poolsUp = true
        for (name, pool) in pools.sorted(by: { $0.key < $1.key }) {
            let live = await pool.liveWorkers
            let available = pool.isAvailable
            poolStates[name] = ["workers": await pool.workerCount, "live": live, "built": available]
            if available && live == 0 { poolsUp = false }
        }
        let ok = database && poolsUp
        let body: [String: Any] = [
            "status": ok ? "ok" : "unavailable", "database": database ? "ok" : "unreachable", "pools": poolStates,
        ]
        var response = json(ok ? 200 : 503, body)
        if !ok { response.headers[.retryAfter] = "1" }
        return response
    }

    private func refreshGauges() async {
        for (name, pool) in pools {
            metrics.set("puntos_workers_live", ["function": name], Double(await pool.liveWorkers))
            metrics.set("puntos_workers_busy", ["function": name], Double(await pool.busyWorkers))
            metrics.set("puntos_pool_pending", ["function": name], Double(await pool.pendingCount))
        }
        if let queues, let stats = try? await queues.stats() {
            for row in stats {
                metrics.set("puntos_queue_depth", ["queue": row.queue], Double(row.ready))
                metrics.set("puntos_queue_in_flight", ["queue": row.queue], Double(row.inFlight))
                metrics.set("puntos_queue_delayed", ["queue": row.queue], Double(row.delayed))
                metrics.set("puntos_queue_dead", ["queue": row.queue], Double(row.dead))
            }
        }
    }

    // MARK: helpers

    func json(_ status: Int, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The caller's `X-Request-Id` when it is a sane token, else a fresh UUID.
    static func requestId(from header: String?) -> String {
        if let header, (8...64).contains(header.count),
            header.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        {
            return header
        }
        return UUID().uuidString.lowercased()
    }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }

    static func ip(_ address: SocketAddress?) -> String { address?.ipAddress ?? "127.0.0.1" }

    /// `22/Nov/2026:21:25:32 +0000`, as API Gateway's requestContext.time.
    static func clfDate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 40)
        let count = strftime(&buffer, buffer.count, "%d/%b/%Y:%H:%M:%S +0000", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// An answer `puntos` itself gives: `{"error":{"code","message"}}` with a status.
struct GatewayError: Error {
    var status: Int
    var code: String
    var message: String
    var headers: [String: String] = [:]
    /// The request's body was not read: close the connection after answering.
    var closesConnection = false

    var bodyBytes: Data {
        (try? JSONSerialization.data(withJSONObject: ["error": ["code": code, "message": message]], options: [.sortedKeys]))
            ?? Data()
    }

    var response: Response {
        let body = bodyBytes
        var fields: HTTPFields = [.contentType: "application/json"]
        for (name, value) in headers { if let fieldName = HTTPField.Name(name) { fields[fieldName] = value } }
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
