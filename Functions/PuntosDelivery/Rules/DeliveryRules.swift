import FoundationEssentials
import PuntosCore

/// When a failed delivery is tried again: exponential backoff with jitter, then dead.
package struct RetryPolicy: Sendable, Equatable {
    package var baseSeconds: Double
    package var maxSeconds: Double
    /// Attempts in all before a notice that keeps failing temporarily is dead.
    package var maxAttempts: Int

    package init(baseSeconds: Double = 60, maxSeconds: Double = 6 * 3600, maxAttempts: Int = 8) {
        self.baseSeconds = baseSeconds
        self.maxSeconds = maxSeconds
        self.maxAttempts = maxAttempts
    }

    /// The pause after the `attempt`-th failure (1-based): `base * 2^(attempt-1)`, capped, of which the
    /// upper half is random ("equal jitter"), so retries of many notices spread out. `random` is in 0..<1.
    package func delay(afterAttempt attempt: Int, random: Double) -> Double {
        let exponential = min(maxSeconds, baseSeconds * pow2(max(0, attempt - 1)))
        return exponential / 2 + exponential / 2 * min(max(random, 0), 1)
    }

    /// Whether the notice is dead after its `attempts`-th failure.
    package func givesUp(after attempts: Int) -> Bool { attempts >= maxAttempts }

    private func pow2(_ exponent: Int) -> Double { exponent >= 62 ? Double.greatestFiniteMagnitude : Double(1 << exponent) }
}

/// Hours in which no SMS goes out, in the customer's own time zone (`21:00-09:00` spans midnight).
package struct QuietHours: Sendable, Equatable {
    /// Minutes after local midnight.
    package var start: Int
    package var end: Int

    package init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    /// `HH:MM-HH:MM`, or nil.
    package static func parse(_ text: String) -> QuietHours? {
        let halves = text.split(separator: "-")
        guard halves.count == 2, let start = minute(halves[0]), let end = minute(halves[1]) else { return nil }
        return QuietHours(start: start, end: end)
    }

    private static func minute(_ text: Substring) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour),
            (0..<60).contains(minute)
        else { return nil }
        return hour * 60 + minute
    }

    /// Minutes to wait from `localMinute` (minutes after local midnight) until the quiet hours end; 0 outside them.
    package func minutesUntilEnd(localMinute: Int) -> Int {
        guard start != end else { return 0 }
        let quiet = start < end ? (localMinute >= start && localMinute < end) : (localMinute >= start || localMinute < end)
        guard quiet else { return 0 }
        return (end - localMinute + 1440) % 1440
    }
}

/// What `deliver` does with one recipient's notices on one channel in a run, decided before anything
/// is sent (after `ChannelRoute` chose the channel and `DailyCap` held back what it holds).
package enum DeliveryDecision: Sendable, Equatable {
    case send
    /// Not now: try again after this many seconds (daily cap, quiet hours).
    case deferral(seconds: Double, reason: String)
    /// Never: the recipient unsubscribed, removed the alert, or chose `none` for this kind of notice.
    case suppress(reason: String)
    /// Cannot ever be sent: no channel the recipient has an address for is configured. Recorded dead
    /// at once, with the reason, never retried.
    case dead(reason: String)

    /// - Parameters:
    ///   - localMinute: the recipient's local time (minutes after midnight), for SMS quiet hours.
    ///   - essential: a guest's confirmation link, which quiet hours do not hold back.
    package static func decide(
        channel: DeliveryChannel, unsubscribed: Bool, localMinute: Int, quietHours: QuietHours?, essential: Bool
    ) -> DeliveryDecision {
        if unsubscribed { return .suppress(reason: "unsubscribed") }
        if !essential, channel == .sms, let quietHours {
            let minutes = quietHours.minutesUntilEnd(localMinute: localMinute)
            if minutes > 0 { return .deferral(seconds: Double(minutes * 60), reason: "quiet_hours") }
        }
        return .send
    }
}

package enum DeliveryChannel: String, Sendable, Codable, CaseIterable {
    case email, sms, webhook
}
