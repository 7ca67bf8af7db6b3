package import FoundationEssentials
import PuntosCore
package import PuntosRuntime

/// Every event `redeem` understands, told apart by `kind`.
package enum RedeemEvent: KindedEvent {
    /// Reserve points for an order at checkout, for a limited time.
    case hold(Spend)
    /// Spend all or part of a hold; the rest goes back.
    case commit(Commit)
    /// Give a hold's points back.
    case release(Release)
    /// Spend points at once, without a hold.
    case redeem(Spend)
    /// A member asks for points to be paid out to a card through the provider (held until settled).
    case payout(Payout)
    /// An administrator lets a payout go to the provider, or refuses it (its points go back).
    case approvePayout(PayoutModeration)
    case rejectPayout(PayoutModeration)
    /// The provider's signed callback: the payout was paid (the hold is spent) or failed (released).
    case payoutResult(PayoutOutcome)

    package static let kindTable = EventKinds<RedeemEvent>(
        "a redeem event",
        .kind("hold", Spend.CodingKeys.self) { .hold(try Spend(from: $0)) },
        .kind("commit", Commit.CodingKeys.self) { .commit(try Commit(from: $0)) },
        .kind("release", Release.CodingKeys.self) { .release(try Release(from: $0)) },
        .kind("redeem", Spend.CodingKeys.self) { .redeem(try Spend(from: $0)) },
        .kind("payout", Payout.CodingKeys.self) { .payout(try Payout(from: $0)) },
        .kind("approve_payout", PayoutModeration.CodingKeys.self) { .approvePayout(try PayoutModeration(from: $0)) },
        .kind("reject_payout", PayoutModeration.CodingKeys.self) { .rejectPayout(try PayoutModeration(from: $0)) },
        .kind("payout_result", PayoutOutcome.CodingKeys.self) { .payoutResult(try PayoutOutcome(from: $0)) })

    package init(from decoder: any Decoder) throws { self = try Self.kindTable.decode(decoder) }

    package struct Spend: Codable, Sendable, Equatable {
        package var kind: String
        package var programme: String?
        package var idempotencyKey: String?
        package var cardNumber: String?
        package var externalId: String?
        package var orderNumber: String
        /// The order's total, before points: the maximum share applies to it.
        package var orderAmount: Decimal
        package var points: Int64
        /// How long a hold lasts; the programme's default without it.
        package var minutes: Int?
        /// Where the order is: a region where the programme is switched off refuses (`region_disabled`).
        package var region: String?
        /// Another loyalty programme applied to the order (SberSpasibo): ours may be excluded.
        package var otherProgramme: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, points, minutes, region
            case idempotencyKey = "idempotency_key", cardNumber = "card_number", externalId = "external_id",
                orderNumber = "order_number", orderAmount = "order_amount", otherProgramme = "other_programme"
        }
    }

    package struct Commit: Codable, Sendable, Equatable {
        package var kind = "commit"
        package var programme: String?
        package var idempotencyKey: String?
        /// The hold's voucher number, or the order's number (its latest hold).
        package var voucherNumber: String?
        package var orderNumber: String?
        /// Points to spend, at most the hold; all of it without this.
        package var points: Int64?
        /// The order's total as the POS finally rang it up: the share is checked again against it.
        package var orderAmount: Decimal?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, points, idempotencyKey = "idempotency_key", voucherNumber = "voucher_number",
                orderAmount = "order_amount", orderNumber = "order_number"
        }
    }

    package struct Release: Codable, Sendable, Equatable {
        package var kind = "release"
        package var programme: String?
        package var idempotencyKey: String?
        package var voucherNumber: String?
        package var orderNumber: String?
        package var reason: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, reason, idempotencyKey = "idempotency_key", voucherNumber = "voucher_number",
                orderNumber = "order_number"
        }
    }
}

/// What `redeem` answers.
package struct RedeemResult: Codable, Sendable, Equatable {
    package var voucherNumber: String
    package var orderNumber: String
    /// held, committed, released, redeemed
    package var status: String
    /// Points held, or spent.
    package var points: Int64
    /// Their money value: the discount to apply.
    package var value: Decimal
    package var expiresAt: Date?
    package var balance: BalanceView
    /// The payout, for the payout kinds.
    package var payout: PayoutView? = nil

    enum CodingKeys: String, CodingKey {
        case status, points, value, balance, payout
        case voucherNumber = "voucher_number", orderNumber = "order_number", expiresAt = "expires_at"
    }
}
