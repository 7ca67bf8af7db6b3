import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PuntosRuntime

extension Gateway {
    /// An HTTP request as an API Gateway HTTP API (payload 2.0) event, and the function's answer back.
    func forward(_ request: Request, match: RouteTable.Match, context: GatewayContext) async throws -> Response {
        guard let function = functions[match.function] else {
            throw GatewayError(status: 503, code: .functionUnavailable, message: "no function \(match.function)")
        }
        var request = request
        let body = Data(try await request.collectBody(upTo: maximumBodyBytes).readableBytesView)
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
        // The event, written straight to JSON (it is built on every request).
        var event = JSONWriter(capacity: 1024 + body.count)
        event.beginObject()
        event.member("version", "2.0")
        event.member("routeKey", match.route.routeKey)
        event.member("rawPath", request.uri.path)
        event.member("rawQueryString", request.uri.query ?? "")
        event.key("headers")
        event.object(headers)
        if !query.isEmpty {
            event.key("queryStringParameters")
            event.object(query)
        }
        if !match.pathParameters.isEmpty {
            event.key("pathParameters")
            event.object(match.pathParameters)
        }
        event.key("requestContext")
        event.beginObject()
        event.member("accountId", "000000000000")
        event.member("apiId", "puntos")
        if let authorizer = context.authorizer {
            // As API Gateway's webhook authorizer passes it on: the caller, and the digest of the body that
            // was checked (functions with PUNTOS_BODY_DIGEST=authorizer, as deploy.yaml sets, compare it).
            event.key("authorizer")
            event.beginObject()
            event.key("lambda")
            event.object(["caller": authorizer.caller, "content_sha256": authorizer.contentSHA256])
            event.endObject()
        }
        event.member("domainName", headers["host"] ?? "127.0.0.1")
        event.member("domainPrefix", "puntos")
        event.key("http")
        event.object([
            "method": request.method.rawValue, "path": request.uri.path, "protocol": "HTTP/1.1",
            "sourceIp": Self.ip(context.remoteAddress), "userAgent": headers["user-agent"] ?? "",
        ])
        event.member("requestId", context.requestId)
        event.member("routeKey", match.route.routeKey)
        event.member("stage", "$default")
        event.member("time", Self.clfDate(now))
        event.key("timeEpoch")
        event.number(Int64(now.timeIntervalSince1970 * 1000))
        event.endObject()
        if !body.isEmpty { event.member("body", text ?? body.base64EncodedString()) }
        event.key("isBase64Encoded")
        event.bool(text == nil)
        event.endObject()
        let payload = event.data
        switch await function.invoke(payload, requestId: context.requestId, maximumWait: maximumWait) {
        case .success(let output):
            return Self.httpResponse(fromFunctionOutput: output)
        case .functionError(_, let type):
            context.logger.warning(
                "http.function_error", metadata: ["function.name": "\(match.function)", "error.type": "\(type)"])
            throw GatewayError(status: 502, code: .functionError, message: "the function failed (\(type))")
        case .failed(let failure):
            var error = GatewayError(status: failure.httpStatus, code: failure.code, message: failure.description)
            if failure.httpStatus == 503 { error.headers["retry-after"] = "1" }
            throw error
        }
    }

    /// What a function answers an API Gateway event with.
    private struct FunctionHTTPAnswer: Decodable {
        /// A header's value: text as it is; a number or a boolean as its JSON text.
        struct Value: Decodable {
            let text: String
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let string = try? container.decode(String.self) {
                    text = string
                } else if let number = try? container.decode(Int64.self) {
                    text = String(number)
                } else if let number = try? container.decode(Double.self) {
                    text = String(number)
                } else {
                    text = String(try container.decode(Bool.self))
                }
            }
        }
        let statusCode: Int
        let headers: [String: Value]?
        let body: String?
        let isBase64Encoded: Bool?
    }

    /// `{statusCode, headers, body, isBase64Encoded}` as API Gateway reads it; any other JSON is a 200 body.
    static func httpResponse(fromFunctionOutput output: Data) -> Response {
        guard let answer = try? JSONDecoder().decode(FunctionHTTPAnswer.self, from: output) else {
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: output)))
        }
        var fields = HTTPFields()
        for (name, value) in answer.headers ?? [:] {
            if let fieldName = HTTPField.Name(name) { fields[fieldName] = value.text }
        }
        if fields[.contentType] == nil { fields[.contentType] = "application/json" }
        var bytes = Data()
        if let body = answer.body {
            bytes = answer.isBase64Encoded == true ? (Data(base64Encoded: body) ?? Data()) : Data(body.utf8)
        }
        return Response(
            status: .init(code: answer.statusCode), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
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
