package import PuntosRuntime

/// Codes people type (coupon codes, referral codes): random characters of Crockford's base 32 and a
/// check character (Luhn mod 32). The check catches every single mistyped character and every swap of
/// two neighbours but 0 and Z, before the database is asked. Reading forgives what people do: lower
/// case, spaces or dashes, O for 0, I or L for 1.
package enum CheckedCode {
    package static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// `length` random characters from the system's cryptographic source, then the check character.
    package static func generate(randomLength length: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let body = (0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] }
        return String(body) + String(checkCharacter(body))
    }

    /// The characters as typed, normalised (upper case, no dashes or spaces, O read as 0, I and L as 1).
    package static func normalise(_ text: String) -> [Character] {
        var characters: [Character] = []
        for character in text.uppercased() where character != "-" && character != " " {
            switch character {
            case "O": characters.append("0")
            case "I", "L": characters.append("1")
            default: characters.append(character)
            }
        }
        return characters
    }

    /// The code as typed, normalised: `randomLength` characters of the alphabet and their check
    /// character, or a refusal naming `field` with `code` that shows `example`.
    package static func parse(
        _ text: String, randomLength: Int, field: String, code: FunctionError.Code, example: String
    ) throws -> String {
        let characters = normalise(text)
        guard characters.count == randomLength + 1, characters.allSatisfy(alphabet.contains) else {
            throw FunctionError.badInput(
                code, field: field, "\(field) must be \(randomLength + 1) letters and digits, such as \(example)")
        }
        guard checksOut(characters) else {
            throw FunctionError.badInput(
                code, field: field, "\(field) does not check out: a character is mistyped or two are swapped")
        }
        return String(characters)
    }

    /// A code grouped for people: groups of four, a last character left alone joining the group before
    /// (`7KQ2-M9XD-4TRW-H3PC`, `7KQ2-M9XD-4TRWH`).
    package static func grouped(_ value: String) -> String {
        var groups = stride(from: 0, to: value.count, by: 4).map { start in
            String(value.dropFirst(start).prefix(4))
        }
        if groups.count > 1, let last = groups.last, last.count == 1 {
            groups.removeLast()
            groups[groups.count - 1] += last
        }
        return groups.joined(separator: "-")
    }

    /// Whether normalised characters are all of the alphabet and end in their check character.
    package static func checksOut(_ characters: [Character]) -> Bool {
        characters.count >= 2 && characters.allSatisfy(alphabet.contains)
            && checkCharacter(characters.dropLast()) == characters.last
    }

    /// Luhn mod N over the alphabet: from the right, every second value doubled and folded back into
    /// base 32; the check makes the whole sum a multiple of 32.
    package static func checkCharacter<C: BidirectionalCollection<Character>>(_ body: C) -> Character {
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
}
