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
        let characters = CheckedCode.normalise(text)
        guard characters.count == randomLength + 1, characters.allSatisfy(CheckedCode.alphabet.contains) else {
            throw FunctionError.badInput(
                .invalidCouponCode, field: field, "\(field) must be 16 letters and digits, such as 7KQ2-M9XD-4TRW-H3PC")
        }
        guard CheckedCode.checksOut(characters) else {
            throw FunctionError.badInput(
                .invalidCouponCode, field: field, "\(field) does not check out: a character is mistyped or two are swapped")
        }
        return CouponCode(value: String(characters))
    }

    /// Grouped for people: four groups of four.
    package var description: String {
        stride(from: 0, to: value.count, by: 4).map { start in
            let from = value.index(value.startIndex, offsetBy: start)
            return String(value[from..<value.index(from, offsetBy: 4)])
        }.joined(separator: "-")
    }
}
