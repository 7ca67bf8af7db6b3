import Logging
import PuntosPostgres
import Synchronization

/// A few `BlockingDatabase`s (one connection each) used in turn, so that short statements from many
/// requests (the replay claims) do not queue behind one connection.
final class DatabaseLanes: Sendable {
    private let lanes: [BlockingDatabase]
    private let next = Mutex(0)

    init(configuration: PostgresConfiguration, label: String, count: Int, logger: Logger) {
        lanes = (0..<max(1, count)).map {
            BlockingDatabase(configuration: configuration, label: "\(label)-\($0)", logger: logger)
        }
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let index = next.withLock { value in
            defer { value = (value + 1) % lanes.count }
            return value
        }
        return try await lanes[index].run(body)
    }
}
