import FoundationEssentials
import PuntosCore
package import PuntosRuntime

/// `deliver`: sends due notices from the outbox by e-mail, SMS or signed webhook, with retries, the
/// customer's channels, a daily cap on marketing alerts, SMS quiet hours and unsubscribes honoured,
/// recording every attempt.
/// A run reads claim (store) -> route (`ChannelRoute`; `both` split in two, store) -> group -> hold
/// (`DailyCap`) -> decide (`DeliveryDecision`) -> render (`NoticeMessages`) -> send (`Senders`) -> record (store).
package struct Deliver: FunctionHandler {
    package static let name = "deliver"
    package static let scheduledEventKind: String? = "run"
    /// A claimed notice not finished within this time is claimed again (the sender crashed).
    package static let leaseSeconds: Double = 600

    let configuration: DeliveryConfiguration
    let random: @Sendable () -> Double

    package init(
        configuration: DeliveryConfiguration = .fromEnvironment(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.configuration = configuration
        self.random = random
    }

    package func handle(_ event: DeliverEvent, context: FunctionContext) throws -> DeliverOutput {
        let programme = try event.programme.map { try Validate.programme($0) }
        if let limit = event.limit, limit < 1 {
            throw FunctionError.badInput(.invalidValue, field: "limit", "limit must be at least 1")
        }
        var run = Run(
            configuration: configuration, secret: try configuration.links.requireSecret(), now: context.now, random: random)
        let limit = min(event.limit ?? configuration.maxPerRun, configuration.maxPerRun)
        let store = NoticeDeliveryStore(database: context.database, configuration: configuration)
        while run.output.claimed < limit, Date() < context.deadline.addingTimeInterval(-5) {
            let batch = try store.claim(
                programme: programme, limit: min(configuration.batchSize, limit - run.output.claimed), now: context.now,
                leaseSeconds: Self.leaseSeconds)
            if batch.notices.isEmpty { break }
            run.output.claimed += batch.notices.count
            let routed = run.route(batch.notices)
            try store.split(routed.splits, now: context.now)
            let results = routed.unsent + Self.groups(routed.notices).flatMap { run.deliver($0, window: batch.window) }
            try store.record(results, now: context.now)
        }
        run.output.payouts = try sendPayouts(programme: programme, limit: limit, context: context)
        return run.output
    }

    /// One message's worth of notices: one recipient's notices on a channel that allows grouping
    /// (e-mail, SMS), or a single notice (webhooks carry one event each).
    static func groups(_ notices: [DueNotice]) -> [[DueNotice]] {
        var order: [String] = []
        var byKey: [String: [DueNotice]] = [:]
        for notice in notices {
            let key =
                notice.channel == .webhook || notice.channel == nil || notice.subscriptionGone || notice.kind == .alertConfirm
                ? "n:\(notice.id)" : "\(notice.recipientKey.rawValue)|\(notice.channel!.rawValue)"
            if byKey[key] == nil { order.append(key) }
            byKey[key, default: []].append(notice)
        }
        return order.map { byKey[$0]! }
    }

    /// One run's senders, tally and per-recipient count of messages sent so far in the run.
    struct Run {
        let configuration: DeliveryConfiguration
        let secret: String
        let now: Date
        let random: @Sendable () -> Double
        let senders: Senders
        var output = DeliverOutput()
        /// Messages sent in this run per daily-cap window (recipient, marketing kind, channel).
        var sentInRun: [DeliveryBatch.CapKey: Int] = [:]

        init(configuration: DeliveryConfiguration, secret: String, now: Date, random: @escaping @Sendable () -> Double) {
            self.configuration = configuration
            self.secret = secret
            self.now = now
            self.random = random
            self.senders = Senders(configuration: configuration)
        }

        /// Chooses each notice's channel (`ChannelRoute`): the notices to send on, the `both` notices to
        /// split, and the results of those declined or undeliverable.
        mutating func route(_ notices: [DueNotice]) -> (
            notices: [DueNotice], splits: [(id: Int64, first: DeliveryChannel, second: DeliveryChannel)], unsent: [NoticeResult]
        ) {
            var routed: [DueNotice] = [], splits: [(id: Int64, first: DeliveryChannel, second: DeliveryChannel)] = []
            var unsent: [NoticeResult] = []
            for var notice in notices {
                let reach = ChannelRoute.Reach(
                    hasEmail: notice.email != nil, hasPhone: notice.phone != nil,
                    configured: Set(DeliveryChannel.allCases.filter(configuration.isConfigured)))
                switch ChannelRoute.decide(
                    notice: notice.requestedChannel, choice: notice.choice, preferred: notice.preferredChannel, reach: reach)
                {
                case .channels(let channels):
                    notice.channel = channels[0]
                    if channels.count > 1 { splits.append((notice.id, channels[0], channels[1])) }
                    routed.append(notice)
                case .declined:
                    unsent += NoticeResult.unsent(
                        [notice], decision: .suppress(reason: "channel_declined"), now: now, output: &output)
                case .undeliverable(let reason):
                    unsent += NoticeResult.unsent([notice], decision: .dead(reason: reason), now: now, output: &output)
                }
            }
            return (routed, splits, unsent)
        }

        /// Holds back what the daily cap holds, decides for the rest, and if the decision is to send,
        /// renders and sends them as one message; returns each notice's result.
        mutating func deliver(_ group: [DueNotice], window: [DeliveryBatch.CapKey: DeliveryBatch.CapWindow]) -> [NoticeResult] {
            if group[0].subscriptionGone {
                output.suppressed += group.count
                return NoticeResult.all(group, .suppressed, outcome: .suppressed, detail: "subscription_removed")
            }
            let (held, going) = holdCapped(group, window: window)
            guard let first = going.first, let channel = first.channel else { return held }
            let decision = DeliveryDecision.decide(
                channel: channel, unsubscribed: going.contains(where: \.unsubscribed), localMinute: first.localMinute,
                quietHours: configuration.quietHours, essential: going.allSatisfy { $0.kind == .alertConfirm })
            guard decision == .send else {
                return held + NoticeResult.unsent(going, decision: decision, now: now, output: &output)
            }
            let messageId = MIMEMessage.messageID(dedupeKeys: going.map(\.dedupeKey), domain: configuration.mailDomain)
            let outcome = send(going, on: channel, messageId: messageId)
            if outcome.isSent {
                output.messages += 1
                for key in Set(going.compactMap(\.capKey)) { sentInRun[key, default: 0] += 1 }
            }
            return held
                + NoticeResult.sent(
                    going, outcome: outcome, messageId: messageId, retry: configuration.retry, now: now, random: random,
                    output: &output)
        }

        /// Marketing notices whose kind has had its day's messages on this channel wait (`DailyCap`);
        /// the results of those held, and the notices that go.
        private mutating func holdCapped(_ group: [DueNotice], window: [DeliveryBatch.CapKey: DeliveryBatch.CapWindow])
            -> (held: [NoticeResult], going: [DueNotice])
        {
            var held: [NoticeResult] = [], going: [DueNotice] = []
            for notice in group {
                guard let key = notice.capKey,
                    notice.cap.holds(notice.kind, sent: (window[key]?.count ?? 0) + sentInRun[key, default: 0])
                else {
                    going.append(notice)
                    continue
                }
                let freesIn = window[key].map { $0.freesAt.timeIntervalSince(now) } ?? 3600
                held += NoticeResult.unsent(
                    [notice], decision: .deferral(seconds: max(60, freesIn), reason: "daily_cap"), now: now, output: &output)
            }
            return (held, going)
        }

        private func send(_ group: [DueNotice], on channel: DeliveryChannel, messageId: String) -> SendOutcome {
            let first = group[0]
            let token = SignedToken(purpose: .unsubscribe, id: first.id).encoded(secret: secret)
            let messages = NoticeMessages(group, unsubscribeURL: configuration.links.unsubscribeURL(token), now: now)
            switch channel {
            case .email:
                return senders.email(
                    to: first.email!, message: messages.email(messageId: messageId, configuration: configuration))
            case .sms:
                return senders.sms(to: first.phone!, text: messages.sms)
            case .webhook:
                return senders.webhook(
                    id: "ntc_\(first.id)", timestamp: Int64(now.timeIntervalSince1970), body: messages.webhookBody)
            }
        }
    }
}
