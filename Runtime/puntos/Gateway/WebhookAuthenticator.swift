import Foundation
import PuntosPostgres
import PuntosRuntime
import PuntosWebhooks

/// The gateway's side of signed webhooks: `PuntosWebhooks.WebhookVerifier` checks the signature, and
/// its MAC is claimed in the PostgreSQL replay table (`webhook_replays`), so a signed request is
/// accepted once across restarts and across every `puntos up` on the database, whatever its method.
final class WebhookAuthenticator: Sendable {
    let verifier: WebhookVerifier
    private let databases: DatabaseLanes

    /// `pos=secret1,erp=secret2` (the template's `WebhookSecrets` parameter).
    init(secrets specification: String, databases: DatabaseLanes) {
        verifier = WebhookVerifier(specification: specification)
        self.databases = databases
    }

    var callers: [String] { verifier.callers }

    /// The verified request, or why it is refused; throws when the replay table cannot be reached.
    func authenticate(_ request: SignedRequest, now: Date = Date()) async throws -> Result<VerifiedRequest, AuthenticationFailure>
    {
        switch verifier.verify(request, now: now) {
        case .failure(let failure):
            return .failure(failure)
        case .success(let verified):
            let fresh = try await databases.run { database in
                try database.withConnection { try ReplayStore.claim(verified, on: $0) }
            }
            return fresh ? .success(verified) : .failure(.replayed)
        }
    }

    /// Deletes expired replay records (the sweeper calls it once a minute).
    func sweep(now: Date = Date()) async throws -> Int {
        try await databases.run { database in try database.withConnection { try ReplayStore.sweep(now: now, on: $0) } }
    }
}
