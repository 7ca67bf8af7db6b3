import Hummingbird
import Logging
import NIOCore
import PuntosRuntime

/// Turns what the gateway throws into its answer: a `GatewayError` into its status and
/// `{"error":{"code","message"}}`, anything else into a logged 500. When the body was not read (too
/// large, too slow), the answer closes the connection instead of reading on.
struct ErrorAnswerMiddleware: RouterMiddleware {
    typealias Context = GatewayContext

    func handle(
        _ request: Request, context: GatewayContext, next: (Request, GatewayContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as GatewayError {
            var response = error.response
            if error.closesConnection {
                response.headers[.connection] = "close"
                let channel = context.channel
                let bytes = ByteBuffer(bytes: error.bodyBytes)
                response.body = ResponseBody(contentLength: bytes.readableBytes) { writer in
                    try await writer.write(bytes)
                    try await writer.finish(nil)
                    channel.close(mode: .input, promise: nil)
                }
            }
            return response
        } catch {
            context.logger.error("http.failed", metadata: ["error": "\(error)"])
            return GatewayError(status: 500, code: .internalError, message: "puntos failed to handle the request").response
        }
    }
}
