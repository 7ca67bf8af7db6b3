package import FoundationEssentials
import PuntosCore

/// Whether an invoice accrues, waits for moderation or is not eligible, and why: the programme's
/// rules, checked in this order (agreement, region, channel, then moderation).
package struct InvoiceDecision: Sendable, Equatable {
    package var status: InvoiceStatus
    /// Why it is not eligible: `no_agreement`, `region_disabled` or `channel_disabled`.
    package var reason: String?

    package init(status: InvoiceStatus, reason: String? = nil) {
        self.status = status
        self.reason = reason
    }

    /// - Parameters:
    ///   - agreementRequired: the programme accrues only from the customer's agreement on.
    ///   - agreementFrom: when points start to count: the start of the day the agreement was first
    ///     accepted, in the programme's time zone (`AccountStore.lock`).
    ///   - regions: where points accrue; nil means everywhere.
    package init(
        agreementRequired: Bool, agreementFrom: Date?, invoicedAt: Date, regions: [String]?, region: String?,
        channels: [String], channel: String, moderation: Bool
    ) {
        if agreementRequired, agreementFrom.map({ $0 > invoicedAt }) ?? true {
            self.init(status: .notEligible, reason: "no_agreement")
        } else if !RegionSwitch.allows(region, regions: regions) {
            self.init(status: .notEligible, reason: "region_disabled")
        } else if !channels.contains(channel) {
            self.init(status: .notEligible, reason: "channel_disabled")
        } else {
            self.init(status: moderation ? .pendingModeration : .accrued)
        }
    }

    /// An invoice is in a channel the programme accrues in when any of its lines is (`lineChannels`,
    /// each line's); the lines in other channels earn nothing (`EarningRules.earn(_:segment:channels:)`).
    package init(
        settings: LedgerSettings, agreementFrom: Date?, invoicedAt: Date, region: String?, lineChannels: [String],
        moderation: Bool
    ) {
        let channel = lineChannels.first(where: settings.channels.contains) ?? lineChannels.first ?? "offline"
        self.init(
            agreementRequired: settings.programme.agreementRequired, agreementFrom: agreementFrom, invoicedAt: invoicedAt,
            regions: settings.regions, region: region, channels: settings.channels, channel: channel,
            moderation: moderation)
    }
}
