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
        let outcome: ByteBuffer? = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask {
                do {
                    return try await request.body.collect(upTo: limit)
                } catch is CancellationError {
                    return nil
                } catch {
                    throw GatewayError.bodyTooLarge(limit)
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
                status: 408, code: .bodyTimeout, message: "the request body did not arrive within \(timeout)")
            error.closesConnection = true
            throw error
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
