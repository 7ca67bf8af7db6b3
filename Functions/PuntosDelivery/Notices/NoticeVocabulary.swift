import PuntosCore

/// Where a notice is in the outbox (`notices.status`).
enum NoticeStatus: String, StoredVocabulary {
    /// Waiting for its `next_attempt_at`.
    case pending
    /// Claimed by a run (a lease: claimed again if the run dies).
    case sending
    case sent
    /// Never to be sent: no address, a permanent failure, or out of retries.
    case dead
    /// Held back for good: the recipient unsubscribed or removed the alert.
    case suppressed
}

/// What one delivery attempt came to (`delivery_attempts.outcome`).
enum AttemptOutcome: String, StoredVocabulary {
    case sent
    case temporaryFailure = "temporary_failure"
    case permanentFailure = "permanent_failure"
    case deferred
    case suppressed
}

/// What a notice is about (`notices.kind`). Open: a kind without a template still gets a generic
/// message, so this is a struct of known kinds rather than a closed enum.
struct NoticeKind: StoredVocabulary, Hashable {
    let rawValue: String
    init(rawValue: String) { self.rawValue = rawValue }

    static let priceDrop = NoticeKind(rawValue: "price_drop")
    static let backInStock = NoticeKind(rawValue: "back_in_stock")
    /// A guest's link to confirm an alert: essential, so neither the daily cap nor quiet hours hold it.
    static let alertConfirm = NoticeKind(rawValue: "alert_confirm")
    static let pointsEarned = NoticeKind(rawValue: "points_earned")
    static let pointsSpent = NoticeKind(rawValue: "points_spent")
    static let pointsReturned = NoticeKind(rawValue: "points_returned")
    static let pointsExpiring = NoticeKind(rawValue: "points_expiring")
    static let pointsHeld = NoticeKind(rawValue: "points_held")
    static let pointsReleased = NoticeKind(rawValue: "points_released")
    static let pointsRestored = NoticeKind(rawValue: "points_restored")
    static let pointsAdjusted = NoticeKind(rawValue: "points_adjusted")
    static let pointsActivated = NoticeKind(rawValue: "points_activated")
    static let pointsExpired = NoticeKind(rawValue: "points_expired")
    static let rewardBought = NoticeKind(rawValue: "reward_bought")
    static let couponExpiring = NoticeKind(rawValue: "coupon_expiring")
}
