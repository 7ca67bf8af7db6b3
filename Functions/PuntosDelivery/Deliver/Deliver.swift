import FoundationEssentials
import PuntosCore
package import PuntosRuntime

/// `deliver`: sends due notices from the outbox by e-mail, SMS or signed webhook, with retries,
/// a daily cap, SMS quiet hours and unsubscribes honoured, recording every attempt.
/// A run reads claim (store) -> group -> decide (`DeliveryDecision`) -> render (`NoticeMessages`) ->
/// send (`Senders`) -> record (store).
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
            let results = Self.groups(batch.notices).flatMap { run.deliver($0, window: batch.window[$0[0].recipientKey]) }
            try store.record(results, now: context.now)
        }
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
        var sentInRun: [RecipientKey: Int] = [:]

        init(configuration: DeliveryConfiguration, secret: String, now: Date, random: @escaping @Sendable () -> Double) {
            self.configuration = configuration
            self.secret = secret
            self.now = now
            self.random = random
            self.senders = Senders(configuration: configuration)
        }

        /// Decides, and if the decision is to send, renders and sends one group; returns each notice's result.
        mutating func deliver(_ group: [DueNotice], window: DeliveryBatch.CapWindow?) -> [NoticeResult] {
            let first = group[0]
            if first.subscriptionGone {
                output.suppressed += group.count
                return NoticeResult.all(group, .suppressed, outcome: .suppressed, detail: "subscription_removed")
            }
            let decision = DeliveryDecision.decide(
                for: group, window: window, sentInRun: sentInRun[first.recipientKey, default: 0], now: now,
                configuration: configuration)
            guard decision == .send, let channel = first.channel else {
                return NoticeResult.unsent(group, decision: decision, now: now, output: &output)
            }
            let messageId = MIMEMessage.messageID(dedupeKeys: group.map(\.dedupeKey), domain: configuration.mailDomain)
            let outcome = send(group, on: channel, messageId: messageId)
            if outcome.isSent {
                output.messages += 1
                sentInRun[first.recipientKey, default: 0] += 1
            }
            return NoticeResult.sent(
                group, outcome: outcome, messageId: messageId, retry: configuration.retry, now: now, random: random,
                output: &output)
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
