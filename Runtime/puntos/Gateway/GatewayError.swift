import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PuntosRuntime
import PuntosWebhooks

/// An answer `puntos` itself gives: `{"error":{"code","message"}}` with a status.
struct GatewayError: Error {
    var status: Int
    /// A `FunctionError.Code`'s raw value, an `AuthenticationFailure`'s code, or on the AWS Invoke API
    /// AWS's own exception name: the three vocabularies a caller of `puntos` meets.
    private(set) var code: String
    var message: String
    var headers: [String: String] = [:]
    /// The request's body was not read: close the connection after answering.
    var closesConnection = false

    init(status: Int, code: FunctionError.Code, message: String) {
        self.status = status
        self.code = code.rawValue
        self.message = message
    }

    /// A signed request refused: 401 with the failure's code.
    init(refused failure: AuthenticationFailure) {
        self.status = 401
        self.code = failure.code
        self.message = failure.message
    }

    /// An answer of the AWS Lambda Invoke API, in AWS's words (`ResourceNotFoundException`, ...).
    init(status: Int, awsException: String, message: String) {
        self.status = status
        self.code = awsException
        self.message = message
    }

    /// 503 with `Retry-After: 1`: something puntos needs (PostgreSQL, a worker) is not there now.
    static func unavailable(_ code: FunctionError.Code, _ message: String) -> GatewayError {
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
