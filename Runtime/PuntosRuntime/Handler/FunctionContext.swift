public import FoundationEssentials
public import Logging
public import PuntosPostgres

/// What a handler knows about the invocation besides the event.
public struct FunctionContext: Sendable {
    /// The invocation's id: Lambda's request id, or a fresh one for a one-shot run.
    public let requestId: String
    /// When the caller stops waiting; handlers with long loops check it.
    public let deadline: Date
    /// A logger carrying the request id.
    public let logger: Logger
    /// The database, connected on first use and kept between invocations of a warm function.
    public let database: Database
    /// The current time, fixed per invocation so that one event sees one "now".
    public let now: Date
    /// The X-Ray trace header of a warm invocation (`Lambda-Runtime-Trace-Id`), if any.
    public let traceId: String?
    /// Who signed the request, where a webhook authorizer checked it (`X-Puntos-Caller`); nil for a
    /// direct invocation, a queue message or a schedule.
    public var caller: String?

    public init(
        requestId: String, deadline: Date, logger: Logger, database: Database, now: Date = Date(),
        traceId: String? = nil
    ) {
        self.traceId = traceId
        self.requestId = requestId
        self.deadline = deadline
        self.logger = logger
        self.database = database
        self.now = now
    }

    /// A context for tests and tools: a fresh id, a minute to run.
    public static func make(database: Database, logger: Logger = Logger(label: "test"), now: Date = Date()) -> FunctionContext {
        FunctionContext(
            requestId: UUID().uuidString.lowercased(), deadline: now.addingTimeInterval(60),
            logger: logger, database: database, now: now)
    }
}
