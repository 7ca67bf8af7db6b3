public import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The database as a function sees it: one connection, made on first use and re-made when it breaks,
/// lent to closures that run in a transaction.
///
/// `@unchecked Sendable`: a function handles one event at a time, so the connection is only ever used
/// by one thread at a time; the drivers guarantee that, and nothing else holds a `Database`.
public final class Database: @unchecked Sendable {
    public let configuration: PostgresConfiguration
    private let logger: Logger
    private var connection: PostgresConnection?
    /// The connection of the batch transaction `withBatch` holds open, if one is.
    private var batch: PostgresConnection?

    /// How many times a transaction that hit a serialization failure or a deadlock is run in all.
    public var maxTransactionAttempts = 4

    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The open connection, connecting (again) if there is none or it has broken.
    public func connect() throws -> PostgresConnection {
        if let connection, connection.isHealthy { return connection }
        connection?.close()
        connection = nil
        let fresh = try PostgresConnection(configuration: configuration, logger: logger)
        connection = fresh
        return fresh
    }

    public func close() {
        connection?.close()
        connection = nil
    }

    /// Lends the connection outside any transaction (each statement commits by itself).
    @discardableResult
    public func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try body(connect())
    }

    /// Runs `body` in one transaction: commits when it returns, rolls back when it throws.
    ///
    /// A serialization failure or deadlock runs the whole closure again, up to `maxTransactionAttempts`
    /// times, so the closure must have no effects outside the database.
    ///
    /// Inside `withBatch` the transaction is a savepoint of the batch's: it commits with the batch,
    /// and a throw (or a retry) rolls back only what `body` wrote.
    @discardableResult
    public func withTransaction<T>(
        isolation: IsolationLevel = .readCommitted,
        _ body: (PostgresConnection) throws -> T
    ) throws -> T {
        if let batch {
            guard isolation == .readCommitted else { throw BatchError.isolationInsideBatch(isolation) }
            return try withSavepoint(on: batch, retrying: true, body)
        }
        var attempt = 1
        var reconnected = false
        while true {
            let connection = try begin(isolation)
            let started = connection.roundTrips
            do {
                let value = try body(connection)
                try connection.runScript("COMMIT")
                return value
            } catch let error as PostgresError {
                rollback(connection)
                // A kept connection that broke while idle fails the round trip that carries BEGIN: nothing
                // of this transaction ran, so it runs once more on a new connection.
                if error.code == .connectionLost, connection.roundTrips == started + 1, !reconnected {
                    logger.info("postgres.reconnect")
                    reconnected = true
                    close()
                    continue
                }
                let retryable = error.sqlState?.isRetryableTransactionFailure == true || error.isStalePlan
                guard retryable, attempt < maxTransactionAttempts else { throw error }
                logger.info(
                    "postgres.transaction_retry",
                    metadata: ["db.sqlstate": "\(error.sqlState?.code ?? "")", "db.attempt": "\(attempt)"])
                attempt += 1
                backoff(attempt: attempt)
            } catch {
                rollback(connection)
                throw error
            }
        }
    }

    /// Runs `body` in one READ COMMITTED transaction that every `withTransaction` inside it joins as a
    /// savepoint, and commits once at the end: a batch of queue messages pays for one commit instead
    /// of one per message. Each item should run in `withBatchItem`, so that one failing item rolls
    /// back alone. A throw from `body`, or a failed commit, rolls back the whole batch; the caller
    /// then reports every item as failed (they are redelivered, and idempotency makes that safe).
    @discardableResult
    public func withBatch<T>(_ body: () throws -> T) throws -> T {
        guard batch == nil else { throw BatchError.nested }
        let connection = try begin(.readCommitted)
        batch = connection
        defer { batch = nil }
        do {
            let value = try body()
            try connection.runScript("COMMIT")
            return value
        } catch {
            rollback(connection)
            throw error
        }
    }

    /// One item of a batch (`withBatch`): a savepoint that a throw rolls back, leaving the batch's
    /// other items and its transaction usable. Outside a batch it simply runs `body`.
    @discardableResult
    public func withBatchItem<T>(_ body: () throws -> T) throws -> T {
        guard let batch else { return try body() }
        return try withSavepoint(on: batch, retrying: false) { _ in try body() }
    }

    /// Whether a `withBatch` transaction is open.
    public var isInBatch: Bool { batch != nil }

    private func withSavepoint<T>(
        on connection: PostgresConnection, retrying: Bool, _ body: (PostgresConnection) throws -> T
    ) throws -> T {
        var attempt = 1
        while true {
            connection.sendWithNext("SAVEPOINT puntos_batch_item")
            do {
                let value = try body(connection)
                connection.sendWithNext("RELEASE SAVEPOINT puntos_batch_item")
                return value
            } catch {
                // Back to where this item began; if even that fails the batch is lost and says so.
                try connection.runScript("ROLLBACK TO SAVEPOINT puntos_batch_item; RELEASE SAVEPOINT puntos_batch_item")
                if retrying, let failure = error as? PostgresError,
                    failure.sqlState?.isRetryableTransactionFailure == true, attempt < maxTransactionAttempts
                {
                    attempt += 1
                    backoff(attempt: attempt)
                    continue
                }
                throw error
            }
        }
    }

    /// Starts a transaction: its `BEGIN` goes with its first statement, in one round trip (a kept
    /// connection found broken before then is re-made by `connect`, or by `withTransaction`'s retry).
    private func begin(_ isolation: IsolationLevel) throws -> PostgresConnection {
        let connection = try connect()
        connection.sendWithNext(isolation.beginStatement)
        if configuration.transactionPooler {
            // The pooler's server connection has none of our startup options: set them for this transaction.
            connection.sendWithNext(
                SQL(unsafeText: "SET LOCAL statement_timeout = \(configuration.statementTimeoutMilliseconds)"))
            connection.sendWithNext("SET LOCAL TimeZone = 'UTC'")
            connection.sendWithNext("SET LOCAL DateStyle = 'ISO'")
        }
        return connection
    }

    private func rollback(_ connection: PostgresConnection) {
        // Nothing of the transaction was sent (it failed on its input): there is nothing to roll back.
        guard !connection.discardUnsent(), connection.isHealthy else { return }
        do { try connection.runScript("ROLLBACK") } catch {
            logger.warning("postgres.rollback_failed", metadata: ["error": "\(error)"])
        }
    }

    private func backoff(attempt: Int) {
        // Short randomized pause so that two retried transactions do not collide again in lockstep.
        let microseconds = UInt32.random(in: 1_000...(5_000 * UInt32(attempt)))
        usleep(microseconds)
    }
}

/// Misuse of `withBatch`: a programming error in the caller, never the data's fault.
public enum BatchError: Error, CustomStringConvertible {
    case nested
    case isolationInsideBatch(IsolationLevel)

    public var description: String {
        switch self {
        case .nested: "withBatch was called inside a batch"
        case .isolationInsideBatch(let level): "a \(level) transaction was asked for inside a READ COMMITTED batch"
        }
    }
}

public enum IsolationLevel: Sendable {
    case readCommitted, repeatableRead, serializable

    var beginStatement: SQL {
        switch self {
        case .readCommitted: "BEGIN"
        case .repeatableRead: "BEGIN ISOLATION LEVEL REPEATABLE READ"
        case .serializable: "BEGIN ISOLATION LEVEL SERIALIZABLE"
        }
    }
}
