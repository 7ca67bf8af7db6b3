import PuntosAlerts
import PuntosCards
import PuntosCore
import PuntosDelivery
import PuntosLedger
import Testing

@Suite struct ContactNormalisationTests {
    @Test func emailIsTrimmedAndLowerCased() {
        #expect(EmailAddress.parse("  Ana.Perez@Example.COM ")?.value == "ana.perez@example.com")
    }

    @Test(arguments: [
        "", "ana", "ana@", "@example.com", "ana@example", "ana@@example.com", "ana perez@example.com",
        "ana@example..com", "ana@.example.com", "a,b@example.com",
    ])
    func invalidEmailsAreRefused(_ text: String) {
        #expect(EmailAddress.parse(text) == nil)
    }

    @Test(arguments: [
        ("+507 6123-4567", "1", "+50761234567"),
        ("00507 6123 4567", "1", "+50761234567"),
        ("(555) 123-4567", "1", "+15551234567"),
        ("1 555 123 4567", "1", "+15551234567"),
        ("8 (916) 123-45-67", "7", "+79161234567"),
        ("+7 916 123 45 67", "7", "+79161234567"),
        ("916 123 45 67", "7", "+79161234567"),
        ("6123-4567", "507", "+50761234567"),
        ("030 1234567", "49", "+49301234567"),
    ])
    func phonesBecomeE164(_ input: String, _ country: String, _ expected: String) {
        #expect(PhoneNumber.parse(input, defaultCountryCode: country)?.e164 == expected)
    }

    @Test(arguments: ["", "abc", "+12", "+1234567890123456", "555-CALL-NOW", "+0 123 456 789"])
    func invalidPhonesAreRefused(_ text: String) {
        #expect(PhoneNumber.parse(text, defaultCountryCode: "1") == nil)
    }
}
