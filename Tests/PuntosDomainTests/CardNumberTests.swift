import PuntosAlerts
import PuntosCards
import PuntosCore
import PuntosDelivery
import PuntosLedger
import Testing

@Suite struct CardNumberTests {
    @Test(arguments: [
        "4111111111111111", "7789000000000010", "7789 0000 0000 0028", "7789-0000-0000-0036", "79927398713" + "0" + "0",
    ])
    func acceptsValidNumbers(_ text: String) throws {
        let parsed = try CardNumber.parse(text).get()
        #expect(parsed.digits == text.filter(\.isNumber))
    }

    @Test func rejectsAWrongCheckDigit() {
        #expect(CardNumber.parse("7789000000000011") == .failure(.badCheckDigit))
        #expect(CardNumber.parse("4111111111111112") == .failure(.badCheckDigit))
    }

    @Test func rejectsNonDigitsAndWrongLengths() {
        #expect(CardNumber.parse("7789A00000000010") == .failure(.notDigits))
        #expect(CardNumber.parse("") == .failure(.notDigits))
        #expect(CardNumber.parse("١٢٣٤٥٦٧٨٩٠١٢") == .failure(.notDigits))  // Arabic-Indic digits are not card digits
        #expect(CardNumber.parse("42") == .failure(.wrongLength))
        #expect(CardNumber.parse(String(repeating: "0", count: 20)) == .failure(.wrongLength))
    }

    @Test func checkDigitMatchesTheKnownExample() {
        // The textbook Luhn example: 7992739871 has check digit 3.
        #expect(CardNumber.checkDigit(for: "7992739871") == 3)
        #expect(CardNumber.isValidLuhn("79927398713"))
        #expect(!CardNumber.isValidLuhn("79927398710"))
    }

    @Test func generatedNumbersHaveThePrefixLengthAndAValidCheckDigit() throws {
        for _ in 0..<500 {
            let number = CardNumber.generate(prefix: "7789", length: 16)
            #expect(number.digits.count == 16)
            #expect(number.digits.hasPrefix("7789"))
            #expect(try CardNumber.parse(number.digits).get() == number)
        }
    }

    @Test func everySingleDigitTypoIsCaught() {
        let valid = "7789000000000010"
        for index in valid.indices {
            for digit in "0123456789" where digit != valid[index] {
                var typo = valid
                typo.replaceSubrange(index...index, with: String(digit))
                #expect(!CardNumber.isValidLuhn(typo), "\(typo) should fail the check")
            }
        }
    }
}
