import Hummingbird
import PuntosRuntime

extension Request {
    /// The request body, read into `body`: refused at once when its announced length is over `limit`
    /// (413), and when it does not arrive within `timeout` (408); both close the connection.
    mutating func collectBody(upTo limit: Int, within timeout: Duration) async throws -> ByteBuffer {
        if let announced = headers[.contentLength] {
            guard let length = Int(announced), length >= 0 else {
                throw GatewayError(status: 400, code: .invalidContentLength, message: "Content-Length is not a length")
            }
            if length > limit { throw GatewayError.bodyTooLarge(limit) }
        }
        let request = self
        let collector = Task { try await request.body.collect(upTo: limit) }
        // A `Deadline`, not a racing `Task.sleep`: a cancelled sleep would hold its memory for the whole timeout.
        let timer = Deadline(after: timeout) { collector.cancel() }
        defer { timer.cancel() }
        let outcome: ByteBuffer
        do {
            outcome = try await withTaskCancellationHandler {
                try await collector.value
            } onCancel: {
                collector.cancel()
            }
        } catch is CancellationError {
            if Task.isCancelled { throw CancellationError() }  // the request went away, not the timeout
            var error = GatewayError(
                status: 408, code: .bodyTimeout, message: "the request body did not arrive within \(timeout)")
            error.closesConnection = true
            throw error
        } catch {
            throw GatewayError.bodyTooLarge(limit)
        }
        body = .init(buffer: outcome)
        return outcome
    }
}

extension GatewayError {
    /// 413, closing the connection: the rest of the body is not read.
    static func bodyTooLarge(_ limit: Int) -> GatewayError {
        var error = GatewayError(status: 413, code: .bodyTooLarge, message: "the request body is over \(limit) bytes")
        error.closesConnection = true
        return error
    }
}
