import FoundationEssentials
import PuntosCore

extension DeliveryDecision {
    /// The decision for one message's worth of notices (`Deliver.groups`), from what the claim read:
    /// the first notice speaks for the recipient, any notice's unsubscribe suppresses them all, and
    /// only a group of confirmation links is essential.
    static func decide(
        for group: [DueNotice], window: DeliveryBatch.CapWindow?, sentInRun: Int, now: Date,
        configuration: DeliveryConfiguration
    ) -> DeliveryDecision {
        let first = group[0]
        let channel = first.channel
        return decide(
            channel: channel, hasAddress: first.hasAddress, configured: channel.map(configuration.isConfigured) ?? false,
            unsubscribed: group.contains(where: \.unsubscribed),
            sentInWindow: (window?.count ?? 0) + sentInRun,
            dailyCap: first.dailyCap ?? configuration.dailyCap,
            capFreesIn: window.map { $0.freesAt.timeIntervalSince(now) } ?? 3600,
            localMinute: first.localMinute, quietHours: configuration.quietHours,
            essential: group.allSatisfy { $0.kind == .alertConfirm })
    }
}
