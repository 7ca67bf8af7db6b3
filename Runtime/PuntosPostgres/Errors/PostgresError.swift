/// Every failure of the PostgreSQL layer.
///
/// `description` is safe to show a user (it never contains bind values or passwords);
/// `debugDescription` adds the SQL text, the constraint and the caller's file and line, still no values,
/// so it may be logged. The server's `detail` may quote values and is neither shown nor logged.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case connectionFailed, connectionLost, server, decoding, unexpectedResult, invalidParameter
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// The server could not be reached or refused the connection.
        public static let connectionFailed = Code(.connectionFailed)
        /// An established connection broke.
        public static let connectionLost = Code(.connectionLost)
        /// The server answered a statement with an error; see `sqlState`.
        public static let server = Code(.server)
        /// A column's value could not be read as the requested Swift type.
        public static let decoding = Code(.decoding)
        /// A statement returned a different shape than the caller expected.
        public static let unexpectedResult = Code(.unexpectedResult)
        /// A bind parameter cannot be sent (a NUL character in text).
        public static let invalidParameter = Code(.invalidParameter)
        public var description: String { base.rawValue }
    }

    public let code: Code
    /// The SQLSTATE for `.server` errors.
    public let sqlState: SQLState?
    /// The server's or libpq's primary message.
    public let message: String
    /// The server's DETAIL field, which may contain values: never shown to users.
    public let detail: String?
    /// The constraint a violation names, if any.
    public let constraint: String?
    /// The SQL text (with `$n` placeholders, never values).
    public let query: String?
    public let file: String
    public let line: Int

    public init(
        code: Code, sqlState: SQLState? = nil, message: String, detail: String? = nil,
        constraint: String? = nil, query: String? = nil, file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.constraint = constraint
        self.query = query
        self.file = file
        self.line = line
    }

    /// True when the failure says nothing about the request itself: the database was away or busy.
    public var isTemporary: Bool {
        switch code {
        case .connectionFailed, .connectionLost: true
        case .server: sqlState?.isTemporary ?? false
        default: false
        }
    }

    /// A prepared statement's plan no longer fits the schema ("cached plan must not change result type").
    public var isStalePlan: Bool { sqlState == SQLState("0A000") && message.contains("cached plan") }

    public var description: String {
        switch code {
        case .server: "PostgreSQL error \(sqlState?.code ?? "?"): \(message)"
        default: message
        }
    }

    public var debugDescription: String {
        var parts = ["\(code)", description]
        if let constraint { parts.append("constraint: \(constraint)") }
        if let query { parts.append("query: \(query)") }
        parts.append("at \(file):\(line)")
        return parts.joined(separator: "; ")
    }
}
