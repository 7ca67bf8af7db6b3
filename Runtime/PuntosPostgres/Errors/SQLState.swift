/// A PostgreSQL SQLSTATE code, with the codes Puntos acts on named.
///
/// See https://www.postgresql.org/docs/15/errcodes-appendix.html for the full list.
public struct SQLState: Hashable, Sendable, CustomStringConvertible {
    public let code: String

    public init(_ code: String) { self.code = code }

    public var description: String { code }

    public static let uniqueViolation = SQLState("23505")
    public static let foreignKeyViolation = SQLState("23503")
    public static let checkViolation = SQLState("23514")
    public static let notNullViolation = SQLState("23502")
    public static let exclusionViolation = SQLState("23P01")
    public static let serializationFailure = SQLState("40001")
    public static let deadlockDetected = SQLState("40P01")
    public static let queryCanceled = SQLState("57014")
    public static let adminShutdown = SQLState("57P01")
    public static let crashShutdown = SQLState("57P02")
    public static let cannotConnectNow = SQLState("57P03")
    public static let tooManyConnections = SQLState("53300")
    public static let lockNotAvailable = SQLState("55P03")
    public static let invalidTextRepresentation = SQLState("22P02")
    public static let numericValueOutOfRange = SQLState("22003")
    public static let raiseException = SQLState("P0001")

    /// The whole class 08: connection exceptions.
    public var isConnectionException: Bool { code.hasPrefix("08") }

    /// A transaction that failed this way may simply be run again.
    public var isRetryableTransactionFailure: Bool {
        self == .serializationFailure || self == .deadlockDetected
    }

    /// The server is there but cannot serve now: the caller may retry later.
    public var isTemporary: Bool {
        isConnectionException || self == .queryCanceled || self == .adminShutdown
            || self == .crashShutdown || self == .cannotConnectNow || self == .tooManyConnections
            || self == .lockNotAvailable || isRetryableTransactionFailure
    }
}
