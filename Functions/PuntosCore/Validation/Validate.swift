import PuntosRuntime

/// The field checks every function shares, each throwing `badInput` with the field named.
package enum Validate {
    /// A required piece of text: trimmed, not empty, at most `maxLength` characters, no control characters.
    package static func text(_ value: String, field: String, maxLength: Int) throws -> String {
        let trimmed = value.trimmingSpaces
        guard !trimmed.isEmpty else { throw FunctionError.badInput(.invalidValue, field: field, "\(field) must not be empty") }
        guard trimmed.storedLength <= maxLength else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must be at most \(maxLength) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: \.isControl) else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must not contain control characters")
        }
        return trimmed
    }

    /// An idempotency key: 1 to 255 characters as the database counts them.
    package static func idempotencyKey(_ key: String) throws -> String {
        guard (1...255).contains(key.storedLength) else {
            throw FunctionError.badInput(.invalidValue, field: "idempotency_key", "idempotency_key must be 1 to 255 characters")
        }
        guard !key.unicodeScalars.contains(where: \.isControl) else {
            throw FunctionError.badInput(
                .invalidValue, field: "idempotency_key", "idempotency_key must not contain control characters")
        }
        return key
    }

    package static func optionalText(_ value: String?, field: String, maxLength: Int) throws -> String? {
        try value.map { try text($0, field: field, maxLength: maxLength) }
    }

    package static func programme(_ value: String?) throws -> String {
        guard let value else { return Programme.defaultID }
        let valid =
            (1...63).contains(value.count)
            && value.allSatisfy {
                $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_")
            }
        guard valid else {
            throw FunctionError.badInput(
                .invalidValue, field: "programme",
                "programme must be 1 to 63 lower-case letters, digits, - or _")
        }
        return value
    }

    package static func cardNumber(_ value: String, field: String) throws -> CardNumber {
        switch CardNumber.parse(value) {
        case .success(let number): return number
        case .failure(let problem):
            throw FunctionError.badInput(.invalidCardNumber, field: field, "\(field) \(problem.message)")
        }
    }

    package static func email(_ value: String, field: String) throws -> EmailAddress {
        guard let email = EmailAddress.parse(value) else {
            throw FunctionError.badInput(.invalidEmail, field: field, "\(field) is not an e-mail address")
        }
        return email
    }

    package static func phone(_ value: String, field: String, defaultCountryCode: String) throws -> PhoneNumber {
        guard let phone = PhoneNumber.parse(value, defaultCountryCode: defaultCountryCode) else {
            throw FunctionError.badInput(
                .invalidPhone, field: field,
                "\(field) is not a phone number (E.164 such as +15551234567, or a national number)")
        }
        return phone
    }

    package static func locale(_ value: String?, field: String) throws -> String? {
        guard let value else { return nil }
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        let valid =
            parts.count <= 2 && parts[0].count == 2 && parts[0].allSatisfy { $0.isASCII && $0.isLowercase }
            && (parts.count == 1 || (parts[1].count == 2 && parts[1].allSatisfy { $0.isASCII && $0.isUppercase }))
        guard valid else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must be a language tag such as en, es or ru-RU")
        }
        return value
    }
}

extension String {
    /// The length PostgreSQL's `length()` gives this text, which every CHECK on a text column uses:
    /// Unicode scalars (code points), not Swift's `Character`s. `"e\u{301}"` is one `Character` and
    /// two scalars. Every length limit that mirrors a column's CHECK counts with this.
    package var storedLength: Int { unicodeScalars.count }
}

extension Unicode.Scalar {
    /// A control character (general category Cc, which Unicode fixes as U+0000–U+001F and U+007F–U+009F):
    /// two comparisons, where asking the scalar's properties looked a table up for every character of
    /// every imported invoice.
    package var isControl: Bool { value < 0x20 || (0x7F...0x9F).contains(value) }
}
