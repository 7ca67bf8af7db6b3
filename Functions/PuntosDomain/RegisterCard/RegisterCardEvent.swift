import FoundationEssentials
import PuntosRuntime

/// Every event `register-card` understands, told apart by `kind`.
public enum RegisterCardEvent: Sendable, Decodable {
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

    public static let kinds = ["issue", "link", "lookup", "accept_agreement", "block", "replace"]

    private enum KindKey: String, CodingKey { case kind }

    public init(from decoder: any Decoder) throws {
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
                "unknown_kind", field: "kind",
                "kind \"\(kind)\" is not a register-card event; expected one of: \(Self.kinds.joined(separator: ", "))")
        }
    }

    /// Who the card is for. At least one of external id, e-mail and phone identifies the customer.
    public struct CustomerInput: Codable, Sendable, Equatable {
        public var externalId: String?
        public var email: String?
        public var phone: String?
        public var name: String?
        public var locale: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case externalId = "external_id", email, phone, name, locale
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            externalId = try container.decodeIfPresent(String.self, forKey: .externalId)
            email = try container.decodeIfPresent(String.self, forKey: .email)
            phone = try container.decodeIfPresent(String.self, forKey: .phone)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            locale = try container.decodeIfPresent(String.self, forKey: .locale)
        }

        public init(
            externalId: String? = nil, email: String? = nil, phone: String? = nil, name: String? = nil, locale: String? = nil
        ) {
            self.externalId = externalId
            self.email = email
            self.phone = phone
            self.name = name
            self.locale = locale
        }
    }

    public struct Issue: Codable, Sendable, Equatable {
        public var kind = "issue"
        public var programme: String?
        public var idempotencyKey: String?
        public var customer: CustomerInput

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, customer, idempotencyKey = "idempotency_key"
        }
    }

    public struct Link: Codable, Sendable, Equatable {
        public var kind = "link"
        public var programme: String?
        public var idempotencyKey: String?
        public var cardNumber: String
        public var customer: CustomerInput

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, customer, idempotencyKey = "idempotency_key", cardNumber = "card_number"
        }
    }

    public struct Lookup: Codable, Sendable, Equatable {
        public var kind = "lookup"
        public var programme: String?
        public var cardNumber: String?
        public var email: String?
        public var phone: String?
        public var externalId: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, email, phone, cardNumber = "card_number", externalId = "external_id"
        }
    }

    public struct AcceptAgreement: Codable, Sendable, Equatable {
        public var kind = "accept_agreement"
        public var programme: String?
        public var idempotencyKey: String?
        public var cardNumber: String
        public var version: String
        /// When the customer accepted; defaults to now. Not in the future.
        public var acceptedAt: Date?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, version, idempotencyKey = "idempotency_key", cardNumber = "card_number",
                acceptedAt = "accepted_at"
        }
    }

    public struct Block: Codable, Sendable, Equatable {
        public var kind = "block"
        public var programme: String?
        public var idempotencyKey: String?
        public var cardNumber: String
        public var reason: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, reason, idempotencyKey = "idempotency_key", cardNumber = "card_number"
        }
    }

    public struct Replace: Codable, Sendable, Equatable {
        public var kind = "replace"
        public var programme: String?
        public var idempotencyKey: String?
        public var cardNumber: String
        public var reason: String?
        /// A printed card to move to; without it a virtual card is issued.
        public var newCardNumber: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, reason, idempotencyKey = "idempotency_key", cardNumber = "card_number",
                newCardNumber = "new_card_number"
        }
    }
}
