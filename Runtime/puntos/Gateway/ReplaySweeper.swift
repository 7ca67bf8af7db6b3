import Foundation
import Logging
import ServiceLifecycle

/// Deletes expired rows of the replay table once a minute (any instance may; the delete is idempotent).
struct ReplaySweeper: Service {
    let authenticator: WebhookAuthenticator
    let logger: Logger
    var interval: Duration = .seconds(60)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let removed = try await authenticator.sweep()
                if removed > 0 { logger.debug("replays.swept", metadata: ["replays.removed": "\(removed)"]) }
            } catch {
                logger.info("replays.sweep_failed", metadata: ["error": "\(error)"])
            }
            do { try await sleepUnlessShuttingDown(interval) } catch { return }
        }
    }
}
