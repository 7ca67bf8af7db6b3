import FoundationEssentials
import PuntosCore
import PuntosRuntime

/// What one run did with payout requests.
package struct PayoutTally: Codable, Sendable, Equatable {
    package var claimed = 0
    package var sent = 0
    package var retrying = 0
    package var dead = 0

    package init() {}
}

extension Deliver {
    /// Sends the due payout requests of the outbox (after the notices), each recorded as it goes, so a
    /// run cut short loses nothing: a request claimed and not sent is claimed again when its lease lapses.
    /// Without a provider configured nothing is claimed: the requests wait, their points held.
    func sendPayouts(programme: String?, limit: Int, context: FunctionContext) throws -> PayoutTally {
        var tally = PayoutTally()
        guard configuration.payouts.isConfigured else { return tally }
        let store = PayoutRequestStore(database: context.database)
        let sender = PayoutSender(provider: configuration.payouts, retry: configuration.retry, random: random)
        let stopAt = context.deadline.addingTimeInterval(-5 - configuration.payouts.timeoutSeconds)
        while tally.claimed < limit, Date() < stopAt {
            let batch = try store.claim(
                programme: programme, limit: min(configuration.batchSize, limit - tally.claimed), now: context.now,
                leaseUntil: context.now.addingTimeInterval(Self.leaseSeconds))
            if batch.isEmpty { break }
            tally.claimed += batch.count
            for request in batch where Date() < stopAt {
                let result = sender.send(request, now: context.now)
                try store.record(result, now: context.now)
                switch result.status {
                case "sent": tally.sent += 1
                case "pending": tally.retrying += 1
                default: tally.dead += 1
                }
            }
        }
        return tally
    }
}
