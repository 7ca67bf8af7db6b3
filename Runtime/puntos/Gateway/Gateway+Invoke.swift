import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PuntosRuntime

extension Gateway {
    /// `POST /2015-03-31/functions/{name}/invocations`, as AWS's Runtime Interface Emulator serves it.
    func invoke(_ request: Request, context: GatewayContext) async throws -> Response {
        guard Self.isLoopback(context.remoteAddress) else {
            throw GatewayError(
                status: 403, code: .forbidden, message: "the invoke endpoint answers callers on this machine only")
        }
        let parts = request.uri.path.split(separator: "/")
        guard request.method == .post, parts.count == 4, parts[3] == "invocations" else {
            throw GatewayError(status: 404, code: .noRoute, message: "POST /2015-03-31/functions/{name}/invocations")
        }
        let name = String(parts[2].removingPercentEncoding?.split(separator: ":").last ?? parts[2])
        guard let definition = template.function(named: name), let function = functions[definition.name] else {
            var error = GatewayError(
                status: 404, awsException: "ResourceNotFoundException", message: "Function not found: \(name)")
            error.headers["x-amzn-errortype"] = "ResourceNotFoundException"
            throw error
        }
        var request = request
        let body = try await request.collectBody(upTo: maximumBodyBytes, within: bodyTimeout)
        let payload = body.readableBytes == 0 ? Data("{}".utf8) : Data(body.readableBytesView)
        let requestId = context.requestId
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[HTTPField.Name("X-Amz-Executed-Version")!] = "$LATEST"
        headers[HTTPField.Name("X-Amzn-RequestId")!] = requestId
        switch request.headers[HTTPField.Name("X-Amz-Invocation-Type")!] ?? "RequestResponse" {
        case "DryRun":
            return Response(status: .noContent, headers: headers)
        case "Event":
            let wait = Duration.seconds(definition.timeoutSeconds)
            Task { _ = await function.invoke(payload, requestId: requestId, maximumWait: wait) }
            return Response(status: .accepted, headers: headers)
        default:
            break
        }
        switch await function.invoke(payload, requestId: requestId, maximumWait: maximumWait) {
        case .success(let output):
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: output)))
        case .functionError(let document, _):
            headers[HTTPField.Name("X-Amz-Function-Error")!] = "Unhandled"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: document)))
        case .failed(.busy), .failed(.stopping):
            var error = GatewayError(status: 429, awsException: "TooManyRequestsException", message: "Rate Exceeded.")
            error.headers["x-amzn-errortype"] = "TooManyRequestsException"
            error.headers["retry-after"] = "1"
            throw error
        case .failed(.missingExecutable(let path)):
            throw GatewayError(status: 503, awsException: "ServiceException", message: "the function is not built (\(path))")
        case .failed(let failure):
            headers[HTTPField.Name("X-Amz-Function-Error")!] = "Unhandled"
            let type = failure == .timedOut ? "Sandbox.Timedout" : "Runtime.ExitError"
            let document = try JSONSerialization.data(withJSONObject: ["errorType": type, "errorMessage": failure.description])
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
    }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}
