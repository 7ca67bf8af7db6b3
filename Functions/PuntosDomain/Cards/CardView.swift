import FoundationEssentials

/// What `register-card` answers: the card, its customer and the agreement they accepted.
public struct CardView: Codable, Sendable, Equatable {
    public struct Card: Codable, Sendable, Equatable {
        public var number: String
        public var programme: String
        public var status: String
        public var origin: String
        public var statusReason: String?
        public var replacedBy: String?
        public var issuedAt: Date

        enum CodingKeys: String, CodingKey {
            case number, programme, status, origin
            case statusReason = "status_reason", replacedBy = "replaced_by", issuedAt = "issued_at"
        }
    }

    public struct Customer: Codable, Sendable, Equatable {
        public var id: Int64
        public var externalId: String?
        public var email: String?
        public var phone: String?
        public var name: String?
        public var locale: String?

        enum CodingKeys: String, CodingKey {
            case id, email, phone, name, locale, externalId = "external_id"
        }
    }

    public struct Agreement: Codable, Sendable, Equatable {
        /// The latest version the customer accepted.
        public var version: String
        public var acceptedAt: Date
        /// The first acceptance: points count from here.
        public var firstAcceptedAt: Date

        enum CodingKeys: String, CodingKey {
            case version, acceptedAt = "accepted_at", firstAcceptedAt = "first_accepted_at"
        }
    }

    public var card: Card
    public var customer: Customer
    /// Nil until the customer accepts the programme agreement.
    public var agreement: Agreement?
}
