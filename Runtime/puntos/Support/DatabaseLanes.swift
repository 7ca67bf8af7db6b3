import Logging
import PuntosPostgres
import Synchronization

/// A few `BlockingDatabase`s (one connection each), so that short statements from many requests (the
/// replay claims) do not queue behind one connection. Each call takes the lane with the fewest calls
/// in hand (the next one in turn among equals), so a slow statement delays no call that a free lane
/// could run.
final class DatabaseLanes: Sendable {
    private let lanes: [BlockingDatabase]
    /// Calls in hand per lane, and where the search for the least busy one starts.
    private let load: Mutex<(calls: [Int], next: Int)>

    init(configuration: PostgresConfiguration, label: String, count: Int, logger: Logger) {
        lanes = (0..<max(1, count)).map {
            BlockingDatabase(configuration: configuration, label: "\(label)-\($0)", logger: logger)
        }
        load = Mutex((Array(repeating: 0, count: max(1, count)), 0))
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let index = load.withLock { load in
            var best = load.next
            for offset in 0..<load.calls.count {
                let candidate = (load.next + offset) % load.calls.count
                if load.calls[candidate] < load.calls[best] { best = candidate }
            }
            load.calls[best] += 1
            load.next = (best + 1) % load.calls.count
            return best
        }
        defer { load.withLock { $0.calls[index] -= 1 } }
        return try await lanes[index].run(body)
    }
}
