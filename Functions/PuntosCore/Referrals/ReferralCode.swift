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
        ReferralCode(
            value: try CheckedCode.parse(
                text, randomLength: randomLength, field: field, code: .invalidReferralCode, example: "7KQ2-M9XD-4TRWH"))
    }

    /// Grouped for people: 4-4-5.
    package var description: String { CheckedCode.grouped(value) }
}
