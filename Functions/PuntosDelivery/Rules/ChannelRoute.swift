package import PuntosCore

/// Which channels carry a notice, decided before anything is sent from what the notice asks for, what
/// the customer chose for its kind or class, the addresses they have and the channels configured.
///
/// The channel wanted is the notice's own (an alert subscribed with `channel`), else the customer's
/// choice (`email`, `sms`, or `both`), else their stored preferred channel. A wanted channel without an
/// address or not configured here falls back to the other one the customer can be reached on (e-mail
/// first); with none, and nothing wanted, a configured webhook carries it. Nothing at all: the notice
/// is undeliverable at once, never retried. `none` declines the notice.
package enum ChannelRoute: Sendable, Equatable {
    /// One channel, or two for `both` (each then a notice of its own, with its own retries).
    case channels([DeliveryChannel])
    /// The customer chose `none` for this kind or class of notice.
    case declined
    /// No configured channel reaches the recipient: `no_address`, or `<channel>_not_configured`.
    case undeliverable(reason: String)

    /// What a recipient can be reached on, and what this deployment can send.
    package struct Reach: Sendable, Equatable {
        package var hasEmail: Bool
        package var hasPhone: Bool
        package var configured: Set<DeliveryChannel>

        package init(hasEmail: Bool, hasPhone: Bool, configured: Set<DeliveryChannel>) {
            self.hasEmail = hasEmail
            self.hasPhone = hasPhone
            self.configured = configured
        }

        func hasAddress(_ channel: DeliveryChannel) -> Bool {
            switch channel {
            case .email: hasEmail
            case .sms: hasPhone
            case .webhook: true
            }
        }

        func usable(_ channel: DeliveryChannel) -> Bool { hasAddress(channel) && configured.contains(channel) }
    }

    package static func decide(
        notice: DeliveryChannel?, choice: ChannelChoice?, preferred: DeliveryChannel?, reach: Reach
    ) -> ChannelRoute {
        if choice == ChannelChoice.none { return .declined }
        let wanted = notice.map { [$0] } ?? wantedBy(choice) ?? preferred.map { [$0] } ?? []
        let chosen = wanted.filter(reach.usable)
        if !chosen.isEmpty { return .channels(chosen) }
        if let fallback = [DeliveryChannel.email, .sms].first(where: reach.usable) { return .channels([fallback]) }
        if wanted.isEmpty, reach.usable(.webhook) { return .channels([.webhook]) }
        let unreachable = wanted.isEmpty ? [DeliveryChannel.email, .sms] : wanted
        guard let reachable = unreachable.first(where: reach.hasAddress) else { return .undeliverable(reason: "no_address") }
        return .undeliverable(reason: "\(reachable.rawValue)_not_configured")
    }

    private static func wantedBy(_ choice: ChannelChoice?) -> [DeliveryChannel]? {
        switch choice {
        case .email?: [.email]
        case .sms?: [.sms]
        case .both?: [.email, .sms]
        default: nil
        }
    }
}
