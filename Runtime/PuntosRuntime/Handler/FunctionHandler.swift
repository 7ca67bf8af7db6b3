/// The shape of every Puntos function: a typed event in, a typed output out.
///
///     struct Echo: FunctionHandler {
///         static let name = "echo"
///         func handle(_ event: EchoEvent, context: FunctionContext) throws -> EchoEvent { event }
///     }
///
/// Handlers are synchronous: a function handles one event at a time over one blocking libpq
/// connection, on AWS Lambda and locally alike.
public protocol FunctionHandler: Sendable {
    associatedtype Event: Decodable & Sendable
    associatedtype Output: Encodable & Sendable

    /// The executable's name, as users type it (`register-card`).
    static var name: String { get }

    /// For API Gateway routes: the event `kind` each route key (`POST /cards`) means, used when the
    /// request does not name one itself.
    static var httpRoutes: [String: String] { get }

    /// The event a schedule fires when its `detail` is empty; nil if the function is not scheduled.
    static var scheduledEventKind: String? { get }

    /// Whether a queue batch (an SQS event) runs in one transaction, a savepoint per message, and
    /// commits once. Only for handlers whose transactions are all READ COMMITTED; a message that
    /// fails rolls back alone and is reported in `batchItemFailures`.
    static var commitsQueueBatchTogether: Bool { get }

    /// In a batch that commits together, the order its messages run in: by this key (the account a
    /// message locks), messages without one last, each key's messages in the order they came. Every
    /// batch then takes its row locks in one order, so two batches over the same customers wait for each
    /// other instead of deadlocking (a deadlock fails a message, and its retries can dead-letter it).
    /// nil for every event: the order they came.
    static func batchLockKey(_ event: Event) -> String?

    func handle(_ event: Event, context: FunctionContext) throws -> Output
}

extension FunctionHandler {
    public static var httpRoutes: [String: String] { [:] }
    public static var scheduledEventKind: String? { nil }
    public static var commitsQueueBatchTogether: Bool { false }
    public static func batchLockKey(_ event: Event) -> String? { nil }
}
