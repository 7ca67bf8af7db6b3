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
        var requestContext: [String: Any] = [
            "accountId": "000000000000", "apiId": "puntos", "domainName": headers["host"] ?? "127.0.0.1",
            "domainPrefix": "puntos", "requestId": context.requestId, "routeKey": match.route.routeKey, "stage": "$default",
            "time": Self.clfDate(now), "timeEpoch": Int64(now.timeIntervalSince1970 * 1000),
            "http": [
                "method": request.method.rawValue, "path": request.uri.path, "protocol": "HTTP/1.1",
                "sourceIp": Self.ip(context.remoteAddress), "userAgent": headers["user-agent"] ?? "",
            ],
        ]
        if let authorizer = context.authorizer {
            // As API Gateway's webhook authorizer passes it on: the caller, and the digest of the body that
            // was checked (functions with PUNTOS_BODY_DIGEST=authorizer, as deploy.yaml sets, compare it).
            requestContext["authorizer"] = [
                "lambda": ["caller": authorizer.caller, "content_sha256": authorizer.contentSHA256]
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
