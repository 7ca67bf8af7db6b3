package import FoundationEssentials
package import PuntosCore
import PuntosRuntime

/// Every event `register-card` understands, told apart by `kind`.
package enum RegisterCardEvent: Sendable, Decodable {
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

    package static let kinds = ["issue", "link", "lookup", "accept_agreement", "block", "replace"]

    private enum KindKey: String, CodingKey { case kind }

    package init(from decoder: any Decoder) throws {
        let kind = try decoder.container(keyedBy: KindKey.self).decode(String.self, forKey: .kind)
        switch kind {
        case "issue":
            try decoder.rejectUnknownKeys(Issue.CodingKeys.self)
            self = .issue(try Issue(from: decoder))
        case "link":
            try decoder.rejectUnknownKeys(Link.CodingKeys.self)
            self = .link(try Link(from: decoder))
        case "lookup":
            try decoder.rejectUnknownKeys(Lookup.CodingKeys.self)
            self = .lookup(try Lookup(from: decoder))
        case "accept_agreement":
            try decoder.rejectUnknownKeys(AcceptAgreement.CodingKeys.self)
            self = .acceptAgreement(try AcceptAgreement(from: decoder))
        case "block":
            try decoder.rejectUnknownKeys(Block.CodingKeys.self)
            self = .block(try Block(from: decoder))
        case "replace":
            try decoder.rejectUnknownKeys(Replace.CodingKeys.self)
            self = .replace(try Replace(from: decoder))
        default:
            throw FunctionError.badInput(
                .unknownKind, field: "kind",
                "kind \"\(kind)\" is not a register-card event; expected one of: \(Self.kinds.joined(separator: ", "))")
        }
    }

    package struct Issue: Codable, Sendable, Equatable {
        package var kind = "issue"
        package var programme: String?
        package var idempotencyKey: String?
        package var customer: CustomerInput

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, customer, idempotencyKey = "idempotency_key"
        }
    }

    package struct Link: Codable, Sendable, Equatable {
        package var kind = "link"
        package var programme: String?
        package var idempotencyKey: String?
        package var cardNumber: String
        package var customer: CustomerInput

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, customer, idempotencyKey = "idempotency_key", cardNumber = "card_number"
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
}
