/// A loyalty card number: 12 to 19 digits, the last a Luhn (mod 10) check digit.
///
/// The same rule is enforced by the database (`puntos_luhn_valid`).
package struct CardNumber: Sendable, Hashable, CustomStringConvertible {
    package let digits: String

    package enum Problem: Error, Sendable, Equatable {
        case notDigits, wrongLength, badCheckDigit

        package var message: String {
            switch self {
            case .notDigits: "must contain only digits (spaces and dashes are ignored)"
            case .wrongLength: "must have 12 to 19 digits"
            case .badCheckDigit: "has a wrong check digit: it may be mistyped"
            }
        }
    }

    /// Reads a printed or typed number; spaces and dashes between digit groups are ignored.
    package static func parse(_ text: String) -> Result<CardNumber, Problem> {
        let compact = text.filter { $0 != " " && $0 != "-" }
        guard !compact.isEmpty, compact.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .failure(.notDigits) }
        guard (12...19).contains(compact.count) else { return .failure(.wrongLength) }
        guard Self.isValidLuhn(compact) else { return .failure(.badCheckDigit) }
        return .success(CardNumber(unchecked: compact))
    }

    /// A new random number: `prefix`, random digits, and the check digit, `length` digits in all.
    package static func generate(
        prefix: String, length: Int,
        using generator: inout some RandomNumberGenerator
    ) -> CardNumber {
        precondition(prefix.count < length, "the card prefix must be shorter than the card")
        var payload = prefix
        while payload.count < length - 1 {
            payload.append(Character(String(Int.random(in: 0...9, using: &generator))))
        }
        return CardNumber(unchecked: payload + String(checkDigit(for: payload)))
    }

    package static func generate(prefix: String, length: Int) -> CardNumber {
        var generator = SystemRandomNumberGenerator()
        return generate(prefix: prefix, length: length, using: &generator)
    }

    /// The digit that makes `payload` + digit pass the Luhn check.
    package static func checkDigit(for payload: String) -> Int {
        (10 - luhnSum(payload, doublingFirst: true) % 10) % 10
    }

    package static func isValidLuhn(_ digits: String) -> Bool {
        luhnSum(digits, doublingFirst: false) % 10 == 0
    }

    /// Sums digits from the right, doubling every second one.
    private static func luhnSum(_ digits: String, doublingFirst: Bool) -> Int {
        var sum = 0
        var double = doublingFirst
        for character in digits.reversed() {
            let digit = Int(character.asciiValue! - 48)
            if double {
                let doubled = digit * 2
                sum += doubled > 9 ? doubled - 9 : doubled
            } else {
                sum += digit
            }
            double.toggle()
        }
        return sum
    }

    private init(unchecked digits: String) { self.digits = digits }

    package var description: String { digits }
}
