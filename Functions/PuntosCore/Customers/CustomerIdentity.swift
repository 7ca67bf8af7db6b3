package import PuntosRuntime

/// A customer's identifiers after validation and normalisation: what `customers` stores.
package struct CustomerIdentity: Sendable, Equatable {
    package var externalId: String?
    package var email: EmailAddress?
    package var phone: PhoneNumber?
    package var name: String?
    package var locale: String?
    package var birthDate: BirthDate?

    package init(
        externalId: String? = nil, email: EmailAddress? = nil, phone: PhoneNumber? = nil,
        name: String? = nil, locale: String? = nil, birthDate: BirthDate? = nil
    ) {
        self.birthDate = birthDate
        self.externalId = externalId
        self.email = email
        self.phone = phone
        self.name = name
        self.locale = locale
    }

    /// Validates what an event says about a customer; at least one identifier is required.
    package static func validate(
        _ input: CustomerInput, field: String,
        defaultCountryCode: String
    ) throws -> CustomerIdentity {
        let identity = CustomerIdentity(
            externalId: try Validate.optionalText(input.externalId, field: "\(field).external_id", maxLength: 128),
            email: try input.email.map { try Validate.email($0, field: "\(field).email") },
            phone: try input.phone.map {
                try Validate.phone($0, field: "\(field).phone", defaultCountryCode: defaultCountryCode)
            },
            name: try Validate.optionalText(input.name, field: "\(field).name", maxLength: 200),
            locale: try Validate.locale(input.locale, field: "\(field).locale"),
            birthDate: try input.birthDate.map { try BirthDate.parse($0, field: "\(field).birth_date") })
        guard identity.externalId != nil || identity.email != nil || identity.phone != nil else {
            throw FunctionError.badInput(
                .missingField, field: field,
                "\(field) needs at least one of external_id, email and phone")
        }
        return identity
    }

    /// For a writer that does not store a birth date (`puntos import`): one given is refused naming
    /// the field, never silently dropped.
    package func withoutBirthDate(field: String) throws -> CustomerIdentity {
        guard birthDate == nil else {
            throw FunctionError.badInput(
                .unknownField, field: "\(field).birth_date", "\(field).birth_date is not imported; register-card takes it")
        }
        return self
    }
}
