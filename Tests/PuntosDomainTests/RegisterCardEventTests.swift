import Foundation
import PuntosAlerts
import PuntosCards
import PuntosCore
import PuntosDelivery
import PuntosLedger
import PuntosRuntime
import Testing

@Suite struct RegisterCardEventTests {
    func decode(_ json: String) throws(FunctionError) -> RegisterCardEvent {
        try EventDecoding.decode(RegisterCardEvent.self, from: Data(json.utf8))
    }

    func error(_ json: String) -> FunctionError? {
        do {
            _ = try decode(json)
            return nil
        } catch {
            return error
        }
    }

    @Test func decodesEveryKind() throws {
        guard case .issue(let issue) = try decode(#"{"kind":"issue","customer":{"email":"a@b.co"}}"#) else {
            Issue.record("not an issue event"); return
        }
        #expect(issue.customer.email == "a@b.co")
        guard
            case .acceptAgreement(let accept) = try decode(
                #"{"kind":"accept_agreement","card_number":"7789000000000010","version":"v1","accepted_at":"2026-01-15T10:00:00+02:00"}"#
            )
        else { Issue.record("not an agreement event"); return }
        #expect(accept.acceptedAt == Date(timeIntervalSince1970: 1_768_464_000))
        guard case .replace = try decode(#"{"kind":"replace","card_number":"7789000000000010"}"#) else {
            Issue.record("not a replace event"); return
        }
    }

    @Test func namesTheFieldOfEveryMistake() {
        #expect(error(#"{"customer":{}}"#) == .badInput(.missingField, field: "kind", "kind is required"))
        #expect(error(#"{"kind":"issue"}"#)?.field == "customer")
        #expect(error(#"{"kind":"issue","customer":{"email":7}}"#)?.field == "customer.email")
        #expect(error(#"{"kind":"issue","customer":{"email":7}}"#)?.code == .wrongType)
        #expect(error(#"{"kind":"issue","customer":{"emial":"a@b.co"}}"#)?.field == "customer.emial")
        #expect(error(#"{"kind":"issue","customer":{},"colour":"red"}"#)?.code == .unknownField)
        #expect(error(#"{"kind":"close"}"#)?.code == .unknownKind)
        #expect(
            error(#"{"kind":"accept_agreement","card_number":"1","version":"v","accepted_at":"yesterday"}"#)?.field
                == "accepted_at")
        #expect(error(#"{"kind":"issue","#)?.code == .invalidJSON)
        #expect(error("[1,2]")?.field == "$")
    }

    @Test func refusesInvalidUTF8AndOversizedEvents() {
        var bytes = Data(#"{"kind":"issue","customer":{"name":""#.utf8)
        bytes.append(contentsOf: [0xFF, 0xFE])
        bytes.append(contentsOf: Data(#""}}"#.utf8))
        #expect(throws: FunctionError.badInput(.invalidUTF8, field: "$", "the event is not valid UTF-8 text")) {
            try EventDecoding.decode(RegisterCardEvent.self, from: bytes)
        }
        let huge = Data(repeating: 0x20, count: EventDecoding.maximumEventBytes + 1)
        #expect(throws: FunctionError.self) { try EventDecoding.decode(RegisterCardEvent.self, from: huge) }
    }
}
