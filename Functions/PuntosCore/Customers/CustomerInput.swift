package import PuntosRuntime

/// What an event says about a customer, before validation (`CustomerIdentity.validate`).
/// At least one of external id, e-mail and phone identifies the customer.
package struct CustomerInput: Codable, Sendable, Equatable {
    package var externalId: String?
    package var email: String?
    package var phone: String?
    package var name: String?
    package var locale: String?
    /// `YYYY-MM-DD`, for the birthday sweep; filled in when the customer has none.
    package var birthDate: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case externalId = "external_id", email, phone, name, locale, birthDate = "birth_date"
    }

    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        externalId = try container.decodeIfPresent(String.self, forKey: .externalId)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        phone = try container.decodeIfPresent(String.self, forKey: .phone)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        locale = try container.decodeIfPresent(String.self, forKey: .locale)
        birthDate = try container.decodeIfPresent(String.self, forKey: .birthDate)
    }

    package init(
        externalId: String? = nil, email: String? = nil, phone: String? = nil, name: String? = nil, locale: String? = nil,
        birthDate: String? = nil
    ) {
        self.birthDate = birthDate
        self.externalId = externalId
        self.email = email
        self.phone = phone
        self.name = name
        self.locale = locale
    }
}
