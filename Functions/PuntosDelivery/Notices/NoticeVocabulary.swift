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
