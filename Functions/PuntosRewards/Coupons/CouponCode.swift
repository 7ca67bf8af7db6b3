import PuntosCore
import PuntosRuntime

/// A coupon's code: 15 random characters of Crockford's base 32 (75 bits, unguessable) and a check
/// character (Core's `CheckedCode`, Luhn mod 32), shown in groups of four: `7KQ2-M9XD-4TRW-H3PC`.
package struct CouponCode: Sendable, Equatable, CustomStringConvertible {
    /// The 16 characters as stored, without dashes.
    package let value: String

    static let randomLength = 15

    /// A fresh code from the system's cryptographic random source.
    package static func generate() -> CouponCode { CouponCode(value: CheckedCode.generate(randomLength: randomLength)) }

    /// The code as typed; a wrong shape or check character is refused naming `field`.
    package static func parse(_ text: String, field: String) throws -> CouponCode {
        CouponCode(
            value: try CheckedCode.parse(
                text, randomLength: randomLength, field: field, code: .invalidCouponCode, example: "7KQ2-M9XD-4TRW-H3PC"))
    }

    /// Grouped for people: four groups of four.
    package var description: String { CheckedCode.grouped(value) }
}
