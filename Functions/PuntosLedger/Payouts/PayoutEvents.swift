import PuntosCore
package import PuntosRuntime

extension RedeemEvent {
    /// `payout`: pay `points` out to a card through the provider. `destination` is the provider's token
    /// for the card, never its number.
    package struct Payout: Codable, Sendable, Equatable {
        package var kind = "payout"
        package var programme: String?
        package var idempotencyKey: String?
        package var cardNumber: String?
        package var externalId: String?
        package var points: Int64
        package var destination: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, points, destination
            case idempotencyKey = "idempotency_key", cardNumber = "card_number", externalId = "external_id"
        }
    }

    /// `approve_payout`, `reject_payout`: an administrator's decision on a requested payout.
    package struct PayoutModeration: Codable, Sendable, Equatable {
        package var kind: String
        package var programme: String?
        package var idempotencyKey: String?
        /// The payout's number (`P` and 12 digits).
        package var payoutId: String
        package var reason: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, reason, idempotencyKey = "idempotency_key", payoutId = "payout_id"
        }
    }

    /// `payout_result`: the provider's callback, `succeeded` or `failed`, with its own reference.
    package struct PayoutOutcome: Codable, Sendable, Equatable {
        package var kind = "payout_result"
        package var programme: String?
        package var payoutId: String
        package var status: String
        package var providerReference: String
        package var reason: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, status, reason, payoutId = "payout_id", providerReference = "provider_reference"
        }
    }
}

/// A payout's state (`payouts.status`, and the kinds of `payout_events`).
package enum PayoutStatus: String, StoredVocabulary {
    case requested, rejected, approved, sent, undeliverable, succeeded, failed

    /// Settled by the provider: nothing changes it any more.
    package var isSettled: Bool { self == .succeeded || self == .failed }
}
