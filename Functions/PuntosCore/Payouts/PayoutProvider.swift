package import FoundationEssentials
import PuntosRuntime

/// The payout provider (ReBase Smart: points paid to a bank card, 1 point = 1 rouble), read from the
/// environment; shared by `deliver`, which sends it the approved payouts, and `redeem`, which takes its
/// callbacks. Every key, its type and default:
/// - `PUNTOS_PAYOUT_URL` (URL, none): the provider's endpoint; each approved payout is POSTed to it.
/// - `PUNTOS_PAYOUT_SECRET` (text, none): the key Puntos signs those requests with (`X-Puntos-Signature`
///   v1, as webhooks into Puntos are signed), as caller `PUNTOS_PAYOUT_SIGNER` (text, `puntos`).
/// - `PUNTOS_PAYOUT_CALLER` (text, `payouts`): the caller the provider signs its callbacks as (its secret
///   is in `WEBHOOK_SECRETS`); a result signed by any other caller is refused.
/// - `PUNTOS_PAYOUT_TIMEOUT_S` (seconds, 10): a request not answered within this is retried.
package struct PayoutProvider: Sendable, Equatable {
    package var url: String?
    package var secret: String?
    package var signer = "puntos"
    package var caller = "payouts"
    package var timeoutSeconds: Double = 10

    package init(url: String? = nil, secret: String? = nil) {
        self.url = url
        self.secret = secret
    }

    package static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> PayoutProvider
    {
        func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        var provider = PayoutProvider(url: value("PUNTOS_PAYOUT_URL"), secret: value("PUNTOS_PAYOUT_SECRET"))
        if let signer = value("PUNTOS_PAYOUT_SIGNER") { provider.signer = signer }
        if let caller = value("PUNTOS_PAYOUT_CALLER") { provider.caller = caller }
        if let seconds = value("PUNTOS_PAYOUT_TIMEOUT_S").flatMap(Double.init), seconds > 0 {
            provider.timeoutSeconds = seconds
        }
        return provider
    }

    /// Whether requests can be sent at all.
    package var isConfigured: Bool { url != nil && secret != nil }

    /// Refuses a callback signed by another caller than the provider. `caller` is who signed the
    /// request (nil for a direct invocation, which only an operator can make).
    package func requireProvider(caller: String?) throws {
        guard let caller, caller != self.caller else { return }
        throw FunctionError.refused(
            .notPayoutProvider, field: "X-Puntos-Caller", "payout results are accepted from the provider (\(self.caller)) only")
    }
}
