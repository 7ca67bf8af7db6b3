package import FoundationEssentials
package import PuntosCore
package import PuntosRuntime

/// Every event `register-card` understands, told apart by `kind`.
package enum RegisterCardEvent: KindedEvent {
    /// Issue a virtual card to a customer (found or created by external id, e-mail or phone).
    case issue(Issue)
    /// Link a printed card number to a customer.
    case link(Link)
    /// Find a card by number, e-mail, phone or external id.
    case lookup(Lookup)
    /// Record that the customer accepted the programme agreement.
    case acceptAgreement(AcceptAgreement)
    /// Block a card, with a reason.
    case block(Block)
    /// Replace a lost or damaged card with a new number for the same customer.
    case replace(Replace)
    /// The card's customer's referral code, issued on first ask.
    case referralCode(ReferralCodeRequest)

    package static let kindTable = EventKinds<RegisterCardEvent>(
        "a register-card event",
        .kind("issue", Issue.CodingKeys.self) { .issue(try Issue(from: $0)) },
        .kind("link", Link.CodingKeys.self) { .link(try Link(from: $0)) },
        .kind("lookup", Lookup.CodingKeys.self) { .lookup(try Lookup(from: $0)) },
        .kind("accept_agreement", AcceptAgreement.CodingKeys.self) { .acceptAgreement(try AcceptAgreement(from: $0)) },
        .kind("block", Block.CodingKeys.self) { .block(try Block(from: $0)) },
        .kind("replace", Replace.CodingKeys.self) { .replace(try Replace(from: $0)) },
        .kind("referral_code", ReferralCodeRequest.CodingKeys.self) { .referralCode(try ReferralCodeRequest(from: $0)) })

    package init(from decoder: any Decoder) throws { self = try Self.kindTable.decode(decoder) }

    package struct Issue: Codable, Sendable, Equatable {
        package var kind = "issue"
        package var programme: String?
        package var idempotencyKey: String?
        package var customer: CustomerInput
        /// A member's referral code: the customer, new to the programme, was referred by them.
        package var referralCode: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, customer, idempotencyKey = "idempotency_key", referralCode = "referral_code"
        }
    }

    package struct Link: Codable, Sendable, Equatable {
        package var kind = "link"
        package var programme: String?
        package var idempotencyKey: String?
        package var cardNumber: String
        package var customer: CustomerInput
        /// A member's referral code: the customer, new to the programme, was referred by them.
        package var referralCode: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, customer, idempotencyKey = "idempotency_key", cardNumber = "card_number",
                referralCode = "referral_code"
        }
    }

    package struct Lookup: Codable, Sendable, Equatable {
        package var kind = "lookup"
        package var programme: String?
        package var cardNumber: String?
        package var email: String?
        package var phone: String?
        package var externalId: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, email, phone, cardNumber = "card_number", externalId = "external_id"
        }
    }

    package struct AcceptAgreement: Codable, Sendable, Equatable {
        package var kind = "accept_agreement"
        package var programme: String?
        package var idempotencyKey: String?
        package var cardNumber: String
        package var version: String
        /// When the customer accepted; defaults to now. Not in the future.
        package var acceptedAt: Date?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, version, idempotencyKey = "idempotency_key", cardNumber = "card_number",
                acceptedAt = "accepted_at"
        }
    }

    package struct Block: Codable, Sendable, Equatable {
        package var kind = "block"
        package var programme: String?
        package var idempotencyKey: String?
        package var cardNumber: String
        package var reason: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, reason, idempotencyKey = "idempotency_key", cardNumber = "card_number"
        }
    }

    package struct Replace: Codable, Sendable, Equatable {
        package var kind = "replace"
        package var programme: String?
        package var idempotencyKey: String?
        package var cardNumber: String
        package var reason: String?
        /// A printed card to move to; without it a virtual card is issued.
        package var newCardNumber: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, reason, idempotencyKey = "idempotency_key", cardNumber = "card_number",
                newCardNumber = "new_card_number"
        }
    }

    package struct ReferralCodeRequest: Codable, Sendable, Equatable {
        package var kind = "referral_code"
        package var programme: String?
        package var idempotencyKey: String?
        package var cardNumber: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, idempotencyKey = "idempotency_key", cardNumber = "card_number"
        }
    }
}
