import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An answer `puntos` itself gives: `{"error":{"code","message"}}` with a status.
struct GatewayError: Error {
    var status: Int
    var code: String
    var message: String
    var headers: [String: String] = [:]
    /// The request's body was not read: close the connection after answering.
    var closesConnection = false

    /// 503 with `Retry-After: 1`: something puntos needs (PostgreSQL, a worker) is not there now.
    static func unavailable(_ code: String, _ message: String) -> GatewayError {
        var error = GatewayError(status: 503, code: code, message: message)
        error.headers["retry-after"] = "1"
        return error
    }

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
