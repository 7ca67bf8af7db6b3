package import FoundationEssentials
package import PuntosCore

/// What `register-card` answers: the card, its customer and the agreement they accepted.
package struct CardView: Codable, Sendable, Equatable {
    package struct Card: Codable, Sendable, Equatable {
        package var number: String
        package var programme: String
        package var status: String
        package var origin: String
        package var statusReason: String?
        package var replacedBy: String?
        package var issuedAt: Date

        enum CodingKeys: String, CodingKey {
            case number, programme, status, origin
            case statusReason = "status_reason", replacedBy = "replaced_by", issuedAt = "issued_at"
        }
    }

    package struct Customer: Codable, Sendable, Equatable {
        package var id: Int64
        package var externalId: String?
        package var email: String?
        package var phone: String?
        package var name: String?
        package var locale: String?
        /// `YYYY-MM-DD`, when known.
        package var birthDate: String?

        enum CodingKeys: String, CodingKey {
            case id, email, phone, name, locale, externalId = "external_id", birthDate = "birth_date"
        }
    }

    package struct Agreement: Codable, Sendable, Equatable {
        /// The latest version the customer accepted.
        package var version: String
        package var acceptedAt: Date
        /// The first acceptance: points count from here.
        package var firstAcceptedAt: Date

        enum CodingKeys: String, CodingKey {
            case version, acceptedAt = "accepted_at", firstAcceptedAt = "first_accepted_at"
        }
    }

    package var card: Card
    package var customer: Customer
    /// Nil until the customer accepts the programme agreement.
    package var agreement: Agreement?
    /// The customer's referral code (kind `referral_code`), grouped for people.
    package var referralCode: String?
    /// The referral this registration recorded (a `referral_code` was given).
    package var referral: ReferralView?

    enum CodingKeys: String, CodingKey {
        case card, customer, agreement, referral, referralCode = "referral_code"
    }
}
