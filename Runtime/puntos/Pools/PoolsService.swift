import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Runs every pool's Runtime API servers (which start the workers once listening); on shutdown, lets
/// the workers finish what they hold, then ends them.
struct PoolsService: Service {
    let pools: [String: WorkerPool]
    let logger: Logger

    func run() async throws {
        // The Runtime API servers run outside the graceful shutdown (detached): workers finishing an
        // event must still reach them to answer. Once the pools have ended their workers, nothing calls
        // them any more, and they end with the process (cancelling them races NIO's accept path).
        var quiet = logger
        quiet.logLevel = .critical
        var servers: [Task<Void, Never>] = []
        for pool in pools.values where pool.isAvailable {
            for slot in 0..<(await pool.workerCount) {
                let application = RuntimeAPIServer.application(pool: pool, slot: slot, logger: quiet)
                servers.append(Task.detached { try? await application.run() })
            }
        }
        for pool in pools.values where !pool.isAvailable {
            logger.warning(
                "pool.missing_executable",
                metadata: [
                    "function.name": "\(pool.function.name)",
                    "function.executable": "\(pool.executable)",
                ])
        }
        // ServiceLifecycle's own wait: suspends until the group's graceful shutdown, no polling.
        try? await gracefulShutdown()
        // Every pool at once: each lets its workers finish what they hold, then ends them.
        await withTaskGroup(of: Void.self) { group in
            for pool in pools.values { group.addTask { await pool.stop(grace: .seconds(30)) } }
        }
        _ = servers
    }
}

/// Sleeps, or throws as soon as a graceful shutdown starts.
func sleepUnlessShuttingDown(_ duration: Duration) async throws {
    try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
}
