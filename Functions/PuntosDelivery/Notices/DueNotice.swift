import FoundationEssentials
import PuntosCore
import PuntosRuntime

/// A claimed notice with what sending it needs: the recipient's addresses and settings, and whether
/// they unsubscribed or removed the alert behind it.
struct DueNotice {
    var id: Int64, programme: String, kind: NoticeKind, dedupeKey: String, payload: [String: JSONValue], attempts: Int
    var channel: DeliveryChannel?, locale: String?, name: String?, customerId: Int64?, externalId: String?
    var email: String?, phone: String?, dailyCap: Int?, localMinute: Int, recipientKey: RecipientKey
    var unsubscribed: Bool, subscriptionGone: Bool

    /// Whether the notice's channel has an address to send to.
    var hasAddress: Bool {
        switch channel {
        case .email?: email != nil
        case .sms?: phone != nil
        case .webhook?: true
        case nil: false
        }
    }
}

/// The notices one claim took, and their recipients' daily-cap windows.
struct DeliveryBatch {
    var notices: [DueNotice]
    /// Per recipient: messages sent in the last 24 hours and when the oldest leaves that window.
    var window: [RecipientKey: CapWindow]

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
