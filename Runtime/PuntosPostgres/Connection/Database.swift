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
    @discardableResult
    public func withTransaction<T>(
        isolation: IsolationLevel = .readCommitted,
        _ body: (PostgresConnection) throws -> T
    ) throws -> T {
        var attempt = 1
        while true {
            let connection = try begin(isolation)
            do {
                let value = try body(connection)
                try connection.runScript("COMMIT")
                return value
            } catch let error as PostgresError {
                rollback(connection)
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

    /// Starts a transaction; a kept connection found broken at this point is re-made once, since
    /// nothing has been sent on it yet.
    private func begin(_ isolation: IsolationLevel) throws -> PostgresConnection {
        var begin = isolation.beginStatement
        if configuration.transactionPooler {
            // The pooler's server connection has none of our startup options: set them for this transaction.
            begin +=
                "; SET LOCAL statement_timeout = \(configuration.statementTimeoutMilliseconds)"
                + "; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO'"
        }
        let connection = try connect()
        do {
            try connection.runScript(begin)
            return connection
        } catch let error as PostgresError where error.code == .connectionLost {
            logger.info("postgres.reconnect")
            close()
            let fresh = try connect()
            try fresh.runScript(begin)
            return fresh
        }
    }

    private func rollback(_ connection: PostgresConnection) {
        guard connection.isHealthy else { return }
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

public enum IsolationLevel: Sendable {
    case readCommitted, repeatableRead, serializable

    var beginStatement: String {
        switch self {
        case .readCommitted: "BEGIN"
        case .repeatableRead: "BEGIN ISOLATION LEVEL REPEATABLE READ"
        case .serializable: "BEGIN ISOLATION LEVEL SERIALIZABLE"
        }
    }
}
