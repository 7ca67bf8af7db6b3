import Foundation
import PuntosCore
import PuntosRuntime
import Testing

/// The rules several functions share, each written once in PuntosCore.
@Suite struct CoreRulesTests {
    let day = Date(timeIntervalSince1970: 1_767_225_600)

    @Test func pointsLimitsAndClockToleranceAreOneRuleEach() throws {
        try Validate.points(100_000_000)
        #expect(refusal { try Validate.points(0) }?.message == "points must be 1 to 100000000")
        #expect(
            refusal { try Validate.pointsCorrection(-100_000_001) }?.message
                == "points must be non-zero and at most 100000000 either way")
        try Validate.notInFuture(day.addingTimeInterval(300), field: "date", now: day)
        #expect(refusal { try Validate.notInFuture(day.addingTimeInterval(301), field: "date", now: day) }?.field == "date")
    }

    /// The control-character test text fields use is Unicode's category Cc, checked against the scalar
    /// properties for every scalar of the first three planes.
    @Test func controlCharactersAreUnicodesCategoryCc() throws {
        for value in UInt32(0)...0x2_FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            #expect(scalar.isControl == (scalar.properties.generalCategory == .control), "U+\(String(value, radix: 16))")
        }
        #expect(refusal { try Validate.text("a\u{85}b", field: "name", maxLength: 10) }?.field == "name")
        #expect(try Validate.text("  Zoë\u{A0}B  ", field: "name", maxLength: 10) == "Zoë\u{A0}B")
    }

    @Test func anAccountIsNamedByExactlyOneOfCardAndExternalId() throws {
        #expect(try AccountReference(cardNumber: nil, externalId: " crm-1 ") == .externalId("crm-1"))
        #expect(try AccountReference(cardNumber: nil, externalId: "crm-1").field == "external_id")
        let both = refusal { _ = try AccountReference(cardNumber: "7789000000000010", externalId: "crm-1") }
        #expect(both?.field == "card_number")
        #expect(refusal { _ = try AccountReference(cardNumber: nil, externalId: nil) }?.code == .invalidValue)
    }
}
