import PuntosCore
package import PuntosRuntime

/// A hold's state (`holds.status`): open until committed, released or timed out.
package enum HoldStatus: String, StoredVocabulary {
    case open, committed, released
    case timedOut = "timed_out"

    /// As a sentence says it: "timed out".
    package var words: String { rawValue.replacing("_", with: " ") }
}

extension FunctionError.Code {
    /// The refusal for acting on a hold that is no longer open.
    package static func holdIs(_ status: HoldStatus) -> Self {
        switch status {
        case .committed: .holdCommitted
        case .released: .holdReleased
        case .timedOut: .holdTimedOut
        case .open: .internalError
        }
    }
}

/// An invoice's state (`invoices.status`).
package enum InvoiceStatus: String, StoredVocabulary {
    case accrued
    case pendingModeration = "pending_moderation"
    case rejected
    case notEligible = "not_eligible"
}

/// When credited points expire (`programmes.expiry`): never, a number of days after the credit, or
/// at the end of the credit's year.
package enum ExpiryRule: String, StoredVocabulary {
    case none, rolling
    case endOfYear = "end_of_year"
}

/// What a ledger entry records (`ledger_entries.kind`).
package enum EntryKind: String, StoredVocabulary {
    case accrual, reversal, adjustment, hold, release, redemption, activation, expiry
}

/// The notice a ledger entry writes to the customer's outbox (`notices.kind`).
package enum LedgerNotice: String, StoredVocabulary {
    case pointsEarned = "points_earned"
    case pointsAdjusted = "points_adjusted"
    case pointsHeld = "points_held"
    case pointsSpent = "points_spent"
    case pointsReleased = "points_released"
    case pointsReturned = "points_returned"
    case pointsRestored = "points_restored"
    case pointsActivated = "points_activated"
    case pointsExpired = "points_expired"
}
