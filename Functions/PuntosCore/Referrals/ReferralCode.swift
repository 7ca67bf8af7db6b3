import PuntosRuntime

/// A member's referral code: 12 random characters of Crockford's base 32 (60 bits, unguessable) and a
/// check character (`CheckedCode`, as coupon codes), shown in groups of four or five: `7KQ2-M9XD-4TRWH`.
package struct ReferralCode: Sendable, Hashable, CustomStringConvertible {
    /// The 13 characters as stored, without dashes.
    package let value: String

    static let randomLength = 12

    package static func generate() -> ReferralCode { ReferralCode(value: CheckedCode.generate(randomLength: randomLength)) }

    /// The code as typed; a wrong shape or check character is refused naming `field`.
    package static func parse(_ text: String, field: String) throws -> ReferralCode {
        let characters = CheckedCode.normalise(text)
        guard characters.count == randomLength + 1, characters.allSatisfy(CheckedCode.alphabet.contains) else {
            throw FunctionError.badInput(
                .invalidReferralCode, field: field, "\(field) must be 13 letters and digits, such as 7KQ2-M9XD-4TRWH")
        }
        guard CheckedCode.checksOut(characters) else {
            throw FunctionError.badInput(
                .invalidReferralCode, field: field, "\(field) does not check out: a character is mistyped or two are swapped")
        }
        return ReferralCode(value: String(characters))
    }

    package var description: String {
        let characters = Array(value)
        return [characters[0..<4], characters[4..<8], characters[8...]].map { String($0) }.joined(separator: "-")
    }
}
