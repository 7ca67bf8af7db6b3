import PuntosRuntime

/// A coupon's code: 15 random characters of Crockford's base 32 (75 bits, unguessable) and a check
/// character (Luhn mod 32), shown in groups of four: `7KQ2-M9XD-4TRW-H3PC`. The check catches every
/// single mistyped character and every swap of two neighbours but 0 and Z, at the till, before the
/// database is asked. Reading forgives what people do: lower case, spaces or dashes, O for 0, I or L for 1.
package struct CouponCode: Sendable, Equatable, CustomStringConvertible {
    /// The 16 characters as stored, without dashes.
    package let value: String

    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    static let randomLength = 15

    /// A fresh code from the system's cryptographic random source.
    package static func generate() -> CouponCode {
        var generator = SystemRandomNumberGenerator()
        let body = (0..<randomLength).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] }
        return CouponCode(value: String(body) + String(checkCharacter(body)))
    }

    /// The code as typed; a wrong shape or check character is refused naming `field`.
    package static func parse(_ text: String, field: String) throws -> CouponCode {
        var characters: [Character] = []
        for character in text.uppercased() where character != "-" && character != " " {
            switch character {
            case "O": characters.append("0")
            case "I", "L": characters.append("1")
            default: characters.append(character)
            }
        }
        guard characters.count == randomLength + 1, characters.allSatisfy(alphabet.contains) else {
            throw FunctionError.badInput(
                .invalidCouponCode, field: field, "\(field) must be 16 letters and digits, such as 7KQ2-M9XD-4TRW-H3PC")
        }
        guard checkCharacter(characters.dropLast()) == characters.last else {
            throw FunctionError.badInput(
                .invalidCouponCode, field: field, "\(field) does not check out: a character is mistyped or two are swapped")
        }
        return CouponCode(value: String(characters))
    }

    /// Luhn mod N over the alphabet: from the right, every second value doubled and folded back into
    /// base 32; the check makes the whole sum a multiple of 32.
    static func checkCharacter<C: BidirectionalCollection<Character>>(_ body: C) -> Character {
        let n = alphabet.count
        var sum = 0
        var double = true
        for character in body.reversed() {
            var value = alphabet.firstIndex(of: character)!
            if double {
                value *= 2
                value = value / n + value % n
            }
            sum += value
            double.toggle()
        }
        return alphabet[(n - sum % n) % n]
    }

    /// Grouped for people: four groups of four.
    package var description: String {
        stride(from: 0, to: value.count, by: 4).map { start in
            let from = value.index(value.startIndex, offsetBy: start)
            return String(value[from..<value.index(from, offsetBy: 4)])
        }.joined(separator: "-")
    }
}
