public import FoundationEssentials
import PuntosRuntime

/// Settings shared by `subscribe`, `deliver` and `unsubscribe`, read from the environment:
/// - `PUNTOS_SIGNING_SECRET` (String, required for links): the key of confirm and unsubscribe tokens;
/// - `PUNTOS_PUBLIC_URL` (URL, default `http://127.0.0.1:8080`): where links point (`/alerts/confirm`, `/unsubscribe`);
/// - `PUNTOS_CONFIRM_TTL_HOURS` (Int, default 72): how long a guest's confirmation link works.
public struct AlertsConfiguration: Sendable {
    public var signingSecret: String?
    public var publicURL: String
    public var confirmTTLSeconds: Double

    public init(signingSecret: String? = nil, publicURL: String = "http://127.0.0.1:8080", confirmTTLSeconds: Double = 72 * 3600)
    {
        self.signingSecret = signingSecret
        self.publicURL = publicURL
        self.confirmTTLSeconds = confirmTTLSeconds
    }

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> AlertsConfiguration
    {
        var configuration = AlertsConfiguration()
        if let secret = environment["PUNTOS_SIGNING_SECRET"], !secret.isEmpty { configuration.signingSecret = secret }
        if let url = environment["PUNTOS_PUBLIC_URL"], !url.isEmpty {
            configuration.publicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        if let hours = environment["PUNTOS_CONFIRM_TTL_HOURS"].flatMap(Double.init), hours > 0 {
            configuration.confirmTTLSeconds = hours * 3600
        }
        return configuration
    }

    /// The signing secret, or a `not_configured` failure naming the variable.
    public func requireSecret() throws -> String {
        guard let signingSecret else {
            throw FunctionError.notConfigured(
                variable: "PUNTOS_SIGNING_SECRET",
                "PUNTOS_SIGNING_SECRET is not set: confirm and unsubscribe links cannot be signed; set it to a long random secret"
            )
        }
        return signingSecret
    }

    public func confirmURL(_ token: String) -> String { "\(publicURL)/alerts/confirm?token=\(token)" }
    public func unsubscribeURL(_ token: String) -> String { "\(publicURL)/unsubscribe?token=\(token)" }
}
