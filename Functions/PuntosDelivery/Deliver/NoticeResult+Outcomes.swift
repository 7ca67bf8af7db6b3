import FoundationEssentials
import PuntosCore

/// What each notice of a group becomes, and the run's tally of it: from the decision when nothing
/// was sent, from the sender's outcome when something was.
extension NoticeResult {
    /// The same result for every notice of the group.
    static func all(
        _ group: [DueNotice], _ status: NoticeStatus, outcome: AttemptOutcome, next: Date? = nil, attempted: Bool = false,
        messageId: String? = nil, code: Int? = nil, detail: String? = nil
    ) -> [NoticeResult] {
        group.map {
            NoticeResult(
                notice: $0, status: status, nextAttemptAt: next, attempted: attempted, outcome: outcome,
                messageId: messageId, responseCode: code, detail: detail)
        }
    }

    /// A group held back before sending (`decision` is not `.send`).
    static func unsent(_ group: [DueNotice], decision: DeliveryDecision, now: Date, output: inout DeliverOutput)
        -> [NoticeResult]
    {
        switch decision {
        case .suppress(let reason):
            output.suppressed += group.count
            return all(group, .suppressed, outcome: .suppressed, detail: reason)
        case .dead(let reason):
            output.dead += group.count
            return all(group, .dead, outcome: .permanentFailure, attempted: true, detail: reason)
        case .deferral(let seconds, let reason):
            output.deferred += group.count
            return all(group, .pending, outcome: .deferred, next: now.addingTimeInterval(seconds), detail: reason)
        case .send:
            return []
        }
    }

    /// A group whose message was handed to a sender: sent, dead, or retried with backoff until the
    /// retry policy gives up.
    static func sent(
        _ group: [DueNotice], outcome: SendOutcome, messageId: String, retry: RetryPolicy, now: Date,
        random: () -> Double, output: inout DeliverOutput
    ) -> [NoticeResult] {
        switch outcome {
        case .sent(let code):
            output.sent += group.count
            return all(group, .sent, outcome: .sent, attempted: true, messageId: messageId, code: code)
        case .permanent(let code, let detail):
            output.dead += group.count
            return all(
                group, .dead, outcome: .permanentFailure, attempted: true, messageId: messageId, code: code, detail: detail)
        case .temporary(let code, let detail):
            return group.map { notice in
                let attempts = notice.attempts + 1
                var result = NoticeResult(
                    notice: notice, status: .dead, nextAttemptAt: nil, attempted: true, outcome: .temporaryFailure,
                    messageId: messageId, responseCode: code, detail: detail)
                if retry.givesUp(after: attempts) {
                    output.dead += 1
                } else {
                    output.retrying += 1
                    result.status = .pending
                    result.nextAttemptAt = now.addingTimeInterval(retry.delay(afterAttempt: attempts, random: random()))
                }
                return result
            }
        }
    }
}
