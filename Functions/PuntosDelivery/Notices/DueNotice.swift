import FoundationEssentials
import PuntosCore
import PuntosRuntime

/// A claimed notice with what sending it needs: the recipient's addresses and settings, and whether
/// they unsubscribed or removed the alert behind it. `channel` is set once `ChannelRoute` chose it.
struct DueNotice {
    var id: Int64, programme: String, kind: NoticeKind, dedupeKey: String, payload: [String: JSONValue], attempts: Int
    var locale: String?, name: String?, customerId: Int64?, externalId: String?
    var email: String?, phone: String?, localMinute: Int, recipientKey: RecipientKey
    var unsubscribed: Bool, subscriptionGone: Bool
    /// The channel the notice itself asks for (an alert subscribed with `channel`, or one half of `both`).
    var requestedChannel: DeliveryChannel?
    /// The customer's choice for this notice's kind or class, and their older single preferred channel.
    var choice: ChannelChoice?, preferredChannel: DeliveryChannel?
    /// The daily cap of this notice's kind (`DailyCap`), from the customer's and the programme's settings.
    var cap: DailyCap
    var channel: DeliveryChannel?

    var reach: (hasEmail: Bool, hasPhone: Bool) { (email != nil, phone != nil) }

    /// The key of this notice's daily-cap window: recipient, kind and channel.
    var capKey: DeliveryBatch.CapKey? {
        guard cap.limit(for: kind) != nil, let channel else { return nil }
        return DeliveryBatch.CapKey(recipient: recipientKey, kind: kind, channel: channel)
    }
}

/// The notices one claim took, and their recipients' daily-cap windows.
struct DeliveryBatch {
    var notices: [DueNotice]
    /// Per recipient, marketing kind and channel: messages sent in the last 24 hours and when the
    /// oldest leaves that window.
    var window: [CapKey: CapWindow]

    struct CapKey: Hashable {
        var recipient: RecipientKey
        var kind: NoticeKind
        var channel: DeliveryChannel
    }

    struct CapWindow {
        var count: Int
        var freesAt: Date
    }
}

/// What a run decided for one notice, written back by `NoticeDeliveryStore.record`.
struct NoticeResult {
    var notice: DueNotice
    var status: NoticeStatus
    var nextAttemptAt: Date?
    /// Whether this counts as an attempt (a deferral or suppression does not).
    var attempted: Bool
    var outcome: AttemptOutcome
    var messageId: String?
    var responseCode: Int?
    var detail: String?
}
