package import FoundationEssentials

/// A payout as `redeem` answers it.
package struct PayoutView: Codable, Sendable, Equatable {
    /// The payout's number (`payout_id` in its routes).
    package var payoutId: String
    /// requested, approved, rejected, sent, undeliverable, succeeded, failed
    package var status: String
    package var points: Int64
    /// What the provider pays: the points' value.
    package var amount: Decimal
    package var currency: String
    /// The provider's token for the card, as given.
    package var destination: String
    package var providerReference: String?
    package var requestedAt: Date

    enum CodingKeys: String, CodingKey {
        case status, points, amount, currency, destination
        case payoutId = "payout_id", providerReference = "provider_reference", requestedAt = "requested_at"
    }

    init(_ payout: PayoutRow) {
        payoutId = payout.number
        status = payout.status.rawValue
        points = payout.points
        amount = payout.amount
        currency = payout.currency
        destination = payout.destination
        providerReference = payout.providerReference
        requestedAt = payout.createdAt
    }
}
