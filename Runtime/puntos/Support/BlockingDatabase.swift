import Dispatch
import Logging
import PuntosPostgres

/// A `Database` (blocking libpq) used from async code: every call runs on the database's own serial
/// queue, never on the cooperative thread pool.
///
/// `database` (a connection, `Sendable` on the promise that one call uses it at a time) is only
/// touched on `queue`, one call at a time, which keeps that promise.
final class BlockingDatabase: Sendable {
    private let database: Database
    private let queue: DispatchQueue

    init(configuration: PostgresConfiguration, label: String, logger: Logger) {
        database = Database(configuration: configuration, logger: logger)
        queue = DispatchQueue(label: "puntos.db.\(label)")
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body(self.database) }) }
        }
    }

    func close() { queue.sync { database.close() } }
}
