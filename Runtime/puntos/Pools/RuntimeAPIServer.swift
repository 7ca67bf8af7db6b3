import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The AWS Lambda Runtime API (2018-06-01) for the worker in one slot of a pool, on its own loopback port,
/// exactly as the published contract says, so that the same executable runs here and on AWS Lambda.
enum RuntimeAPIServer {
    static let prefix = "/2018-06-01/runtime/"

    static func application(pool: WorkerPool, slot: Int, logger: Logger) -> some ApplicationProtocol {
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            try await respond(request, pool: pool, slot: slot, logger: logger)
        }
        return Application(
            responder: responder,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                await pool.listening(slot: slot, port: channel.localAddress?.port ?? 0)
            },
            logger: logger)
    }

    static func respond(_ request: Request, pool: WorkerPool, slot: Int, logger: Logger) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix(prefix) else { return error(404, "UnknownPath", "not a Runtime API path") }
        let parts = path.dropFirst(prefix.count).split(separator: "/").map(String.init)
        switch (request.method, parts.count, parts.first) {
        case (.get, 2, "invocation") where parts[1] == "next":
            guard let job = await pool.next(slot: slot) else {
                return error(503, "ServiceUnavailable", "the pool is stopping or replacing this worker")
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[HTTPField.Name("Lambda-Runtime-Aws-Request-Id")!] = job.requestId
            headers[HTTPField.Name("Lambda-Runtime-Deadline-Ms")!] = String(Int64(job.deadline.timeIntervalSince1970 * 1000))
            headers[HTTPField.Name("Lambda-Runtime-Invoked-Function-Arn")!] =
                "arn:aws:lambda:local:000000000000:function:\(pool.function.name)"
            headers[HTTPField.Name("Lambda-Runtime-Trace-Id")!] = job.traceId
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: job.payload)))
        case (.post, 3, "invocation") where parts[2] == "response" || parts[2] == "error":
            var request = request
            let body = Data((try await request.collectBody(upTo: 6 * 1024 * 1024)).readableBytesView)
            let outcome: InvocationOutcome
            if parts[2] == "response" {
                outcome = .success(body)
            } else {
                let type = request.headers[HTTPField.Name("Lambda-Runtime-Function-Error-Type")!] ?? "Unhandled"
                outcome = .functionError(body, type: type)
            }
            guard await pool.complete(slot: slot, requestId: parts[1], outcome) else {
                return error(400, "InvalidRequestID", "no invocation \(parts[1]) is waiting for an answer from this worker")
            }
            return Response(
                status: .accepted, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"OK"}"#)))
        case (.post, 2, "init") where parts[1] == "error":
            await pool.initFailed(
                slot: slot, errorType: request.headers[HTTPField.Name("Lambda-Runtime-Function-Error-Type")!] ?? "Unknown")
            return Response(
                status: .accepted, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"OK"}"#)))
        default:
            return error(404, "UnknownPath", "not a Runtime API path")
        }
    }

    static func error(_ status: Int, _ type: String, _ message: String) -> Response {
        let body = #"{"errorMessage":"\#(message)","errorType":"\#(type)"}"#
        return Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
