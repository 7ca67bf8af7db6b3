/// The one error type a function answers with: a stable machine `code`, a `message` for people, and
/// the `field` it concerns (a path such as `customer.email` or `lines[2].amount`, `$` for the whole event).
///
/// Its `kind` decides the exit code of a one-shot run and the status of an HTTP answer, in one place.
public struct FunctionError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The event is malformed or invalid; nothing was changed. Exit 65, HTTP 400.
        case badInput = "bad_input"
        /// The thing the event names does not exist. Exit 69, HTTP 404.
        case notFound = "not_found"
        /// The event contradicts an earlier one (an idempotency key reused with another body). Exit 69, HTTP 409.
        case conflict
        /// A business rule refused the event (insufficient points, card blocked). Exit 69, HTTP 422.
        case refused
        /// The database or another dependency is unavailable; safe to retry. Exit 75, HTTP 503.
        case temporary
        /// A setting the function needs is missing or unusable (a variable not set). Exit 78
        /// (EX_CONFIG), HTTP 500: the operator must fix the deployment; retrying changes nothing.
        case configuration
        /// A bug in Puntos. Exit 70, HTTP 500.
        case bug
    }

    public let kind: Kind
    public let code: Code
    public let message: String
    public let field: String?

    public init(_ kind: Kind, code: Code, message: String, field: String? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.field = field
    }

    public static func badInput(_ code: Code, field: String?, _ message: String) -> FunctionError {
        FunctionError(.badInput, code: code, message: message, field: field)
    }

    public static func notFound(_ code: Code, field: String? = nil, _ message: String) -> FunctionError {
        FunctionError(.notFound, code: code, message: message, field: field)
    }

    public static func conflict(_ code: Code, field: String? = nil, _ message: String) -> FunctionError {
        FunctionError(.conflict, code: code, message: message, field: field)
    }

    public static func refused(_ code: Code, field: String? = nil, _ message: String) -> FunctionError {
        FunctionError(.refused, code: code, message: message, field: field)
    }

    public static func temporary(_ code: Code, _ message: String) -> FunctionError {
        FunctionError(.temporary, code: code, message: message)
    }

    /// A missing or unusable setting, naming the environment variable in `field`.
    public static func notConfigured(variable: String, _ message: String) -> FunctionError {
        FunctionError(.configuration, code: .notConfigured, message: message, field: variable)
    }

    public static func bug(_ message: String) -> FunctionError {
        FunctionError(.bug, code: .internalError, message: message)
    }

    /// The sysexits code of a one-shot run (DESIGN.md): 65, 69, 75, 78 or 70.
    public var exitCode: Int32 {
        switch kind {
        case .badInput: 65
        case .notFound, .conflict, .refused: 69
        case .temporary: 75
        case .configuration: 78
        case .bug: 70
        }
    }

    /// The HTTP status of an API Gateway answer.
    public var httpStatus: Int {
        switch kind {
        case .badInput: 400
        case .notFound: 404
        case .conflict: 409
        case .refused: 422
        case .temporary: 503
        case .configuration, .bug: 500
        }
    }

    /// Whether the same event may succeed later without change.
    public var isRetryable: Bool { kind == .temporary }

    public var description: String {
        field.map { "\(code.rawValue) (\($0)): \(message)" } ?? "\(code.rawValue): \(message)"
    }
}

extension FunctionError: Codable {
    private enum CodingKeys: String, CodingKey { case error }
    private enum BodyKeys: String, CodingKey { case code, message, field, kind }

    /// `{"error":{"code":...,"message":...,"field":...}}`
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var body = container.nestedContainer(keyedBy: BodyKeys.self, forKey: .error)
        try body.encode(code, forKey: .code)
        try body.encode(message, forKey: .message)
        try body.encode(field, forKey: .field)
        try body.encode(kind.rawValue, forKey: .kind)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let body = try container.nestedContainer(keyedBy: BodyKeys.self, forKey: .error)
        self.init(
            Kind(rawValue: try body.decode(String.self, forKey: .kind)) ?? .bug,
            // A code this build does not know (an answer from a newer worker) reads as internal_error.
            code: Code(rawValue: try body.decode(String.self, forKey: .code)) ?? .internalError,
            message: try body.decode(String.self, forKey: .message),
            field: try body.decodeIfPresent(String.self, forKey: .field))
    }
}
