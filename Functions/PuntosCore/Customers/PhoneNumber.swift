/// A phone number in E.164 form (`+79161234567`).
///
/// Accepts what people type: spaces, dashes, dots and parentheses; a leading `+` or `00` before the
/// country code; or a national number, completed with the programme's default country code after
/// dropping a national trunk prefix (`0` in most countries, `8` in Russia and Kazakhstan, `1` in
/// the North American plan).
package struct PhoneNumber: Sendable, Hashable, CustomStringConvertible {
    package let e164: String

    package static func parse(_ text: String, defaultCountryCode: String) -> PhoneNumber? {
        var rest = Substring(text.trimmingSpaces)
        var international = false
        if rest.hasPrefix("+") {
            international = true
            rest = rest.dropFirst()
        }
        var digits = ""
        for character in rest {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if !" -.()/".contains(character) {
                return nil
            }
        }
        if !international, digits.hasPrefix("00") {
            international = true
            digits.removeFirst(2)
        }
        if !international {
            switch defaultCountryCode {
            case "7" where digits.count == 11 && digits.hasPrefix("8"),
                "7" where digits.count == 11 && digits.hasPrefix("7"):
                digits = String(digits.dropFirst())
            case "1" where digits.count == 11 && digits.hasPrefix("1"):
                digits = String(digits.dropFirst())
            default:
                if digits.hasPrefix("0") { digits = String(digits.drop(while: { $0 == "0" })) }
            }
            digits = defaultCountryCode + digits
        }
        guard (8...15).contains(digits.count), digits.first != "0" else { return nil }
        return PhoneNumber(e164: "+" + digits)
    }

    package var description: String { e164 }
}
