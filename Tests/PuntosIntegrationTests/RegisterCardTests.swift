import Foundation
import PuntosAlerts
import PuntosCards
import PuntosCore
import PuntosDelivery
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

@Suite struct RegisterCardTests {
    let handler = RegisterCard()

    func run(_ json: String, context: FunctionContext? = nil) throws -> CardView {
        let event = try EventDecoding.decode(RegisterCardEvent.self, from: Data(json.utf8))
        return try handler.handle(event, context: context ?? TestDatabase.context())
    }

    func failure(_ json: String) throws -> FunctionError? {
        do {
            _ = try run(json)
            return nil
        } catch let error as FunctionError {
            return error
        }
    }

    /// A fresh valid printed card number, unique to this test run.
    func printedNumber() -> String {
        CardNumber.generate(prefix: "9", length: 16).digits
    }

    @Test func issuesAVirtualCardWithACheckDigitToANewCustomer() throws {
        let id = TestDatabase.unique("C"), line = Int.random(in: 1000...9999)
        let view = try run(
            #"{"kind":"issue","customer":{"external_id":"\#(id)","email":" Zoe.\#(id)@Example.COM ","phone":"(555) 010-\#(line)","name":"Zoë"}}"#
        )
        #expect(view.card.origin == "virtual")
        #expect(view.card.status == "active")
        #expect(view.card.number.hasPrefix("7789"))
        #expect(view.card.number.count == 16)
        #expect(CardNumber.isValidLuhn(view.card.number))
        #expect(view.customer.externalId == id)
        #expect(view.customer.email == "zoe.\(id.lowercased())@example.com")
        #expect(view.customer.phone == "+1555010\(line)")
        #expect(view.agreement == nil)
        // Issuing again for the same customer returns the card they hold.
        let again = try run(#"{"kind":"issue","customer":{"email":"zoe.\#(id)@example.com"}}"#)
        #expect(again == view)
    }

    @Test func theSameKeyAndBodyAnswersTheSameAndAnotherBodyConflicts() throws {
        let id = TestDatabase.unique("C"), key = TestDatabase.unique("key")
        let event = #"{"kind":"issue","idempotency_key":"\#(key)","customer":{"external_id":"\#(id)"}}"#
        // Answers compare as the JSON a caller receives.
        let first = try JSONCoding.encode(run(event))
        let second = try JSONCoding.encode(run(event))
        #expect(first == second)
        let conflict = try failure(#"{"kind":"issue","idempotency_key":"\#(key)","customer":{"external_id":"\#(id)-other"}}"#)
        #expect(conflict?.code == .idempotencyConflict)
        #expect(conflict?.exitCode == 69)
        // The conflicting body created nothing.
        #expect(try failure(#"{"kind":"lookup","external_id":"\#(id)-other"}"#)?.code == .cardNotFound)
    }

    @Test func aRefusalIsTheLastingAnswerForItsKey() throws {
        let key = TestDatabase.unique("key"), number = printedNumber(), owner = TestDatabase.unique("C")
        _ = try run(#"{"kind":"link","card_number":"\#(number)","customer":{"external_id":"\#(owner)"}}"#)
        let other = TestDatabase.unique("C")
        let event =
            #"{"kind":"link","idempotency_key":"\#(key)","card_number":"\#(number)","customer":{"external_id":"\#(other)"}}"#
        #expect(try failure(event)?.code == .cardTaken)
        #expect(try failure(event)?.code == .cardTaken)
    }

    @Test func linksAPrintedCardAndRefusesOneLinkedToSomeoneElse() throws {
        let number = printedNumber(), owner = TestDatabase.unique("C")
        let grouped = stride(from: 0, to: 16, by: 4).map { Array(number)[$0..<$0 + 4] }.map { String($0) }.joined(separator: " ")
        let view = try run(#"{"kind":"link","card_number":"\#(grouped)","customer":{"external_id":"\#(owner)"}}"#)
        #expect(view.card.number == number)
        #expect(view.card.origin == "printed")
        #expect(try run(#"{"kind":"link","card_number":"\#(number)","customer":{"external_id":"\#(owner)"}}"#) == view)
        let taken = try failure(
            #"{"kind":"link","card_number":"\#(number)","customer":{"external_id":"\#(TestDatabase.unique("C"))"}}"#)
        #expect(taken?.code == .cardTaken)
        #expect(taken?.field == "card_number")
        var mistyped = Array(number)
        mistyped[15] = mistyped[15] == "0" ? "1" : "0"
        let invalid = try failure(#"{"kind":"link","card_number":"\#(String(mistyped))","customer":{"external_id":"\#(owner)"}}"#)
        #expect(invalid?.code == .invalidCardNumber)
        #expect(invalid?.kind == .badInput)
    }

    @Test func looksUpByNumberEmailPhoneAndExternalId() throws {
        let id = TestDatabase.unique("C")
        let phone = "+7 916 \(Int.random(in: 100...999)) \(Int.random(in: 10...99)) \(Int.random(in: 10...99))"
        let view = try run(
            #"{"kind":"issue","customer":{"external_id":"\#(id)","email":"\#(id)@example.com","phone":"\#(phone)"}}"#)
        #expect(try run(#"{"kind":"lookup","card_number":"\#(view.card.number)"}"#) == view)
        #expect(try run(#"{"kind":"lookup","email":"\#(id.uppercased())@EXAMPLE.com"}"#) == view)
        #expect(try run(#"{"kind":"lookup","phone":"\#(phone.replacingOccurrences(of: " ", with: ""))"}"#) == view)
        #expect(try run(#"{"kind":"lookup","external_id":"\#(id)"}"#) == view)
        #expect(try failure(#"{"kind":"lookup","email":"nobody-\#(id)@example.com"}"#)?.code == .cardNotFound)
        #expect(try failure(#"{"kind":"lookup","email":"\#(id)@example.com","external_id":"\#(id)"}"#)?.code == .invalidLookup)
        #expect(try failure(#"{"kind":"lookup","programme":"nope"}"#)?.code == .invalidLookup)
        #expect(try failure(#"{"kind":"lookup","programme":"no-such","external_id":"\#(id)"}"#)?.code == .programmeNotFound)
    }

    @Test func recordsTheAgreementWithItsVersionAndTime() throws {
        let view = try run(#"{"kind":"issue","customer":{"external_id":"\#(TestDatabase.unique("C"))"}}"#)
        let accepted = try run(
            #"{"kind":"accept_agreement","card_number":"\#(view.card.number)","version":"v1","accepted_at":"2026-03-01T09:00:00Z"}"#
        )
        #expect(accepted.agreement?.version == "v1")
        #expect(accepted.agreement?.acceptedAt == Timestamp.parse("2026-03-01T09:00:00Z"))
        // A later version is recorded; points still count from the first acceptance.
        let later = try run(
            #"{"kind":"accept_agreement","card_number":"\#(view.card.number)","version":"v2","accepted_at":"2026-06-01T09:00:00Z"}"#
        )
        #expect(later.agreement?.version == "v2")
        #expect(later.agreement?.firstAcceptedAt == Timestamp.parse("2026-03-01T09:00:00Z"))
        // Accepting a version again changes nothing.
        let again = try run(
            #"{"kind":"accept_agreement","card_number":"\#(view.card.number)","version":"v1","accepted_at":"2026-07-01T09:00:00Z"}"#
        )
        #expect(again.agreement == later.agreement)
        let future = try failure(
            #"{"kind":"accept_agreement","card_number":"\#(view.card.number)","version":"v3","accepted_at":"2999-01-01T00:00:00Z"}"#
        )
        #expect(future?.field == "accepted_at")
        #expect(
            try failure(#"{"kind":"accept_agreement","card_number":"\#(printedNumber())","version":"v1"}"#)?.code
                == .cardNotFound)
    }

    @Test func blocksAndReplacesWithoutLosingTheCustomer() throws {
        let original = try run(#"{"kind":"issue","customer":{"external_id":"\#(TestDatabase.unique("C"))"}}"#)
        _ = try run(#"{"kind":"accept_agreement","card_number":"\#(original.card.number)","version":"v1"}"#)
        let blocked = try run(#"{"kind":"block","card_number":"\#(original.card.number)","reason":"lost"}"#)
        #expect(blocked.card.status == "blocked")
        #expect(blocked.card.statusReason == "lost")
        #expect(try run(#"{"kind":"block","card_number":"\#(original.card.number)","reason":"lost"}"#).card.status == "blocked")
        #expect(
            try failure(#"{"kind":"accept_agreement","card_number":"\#(original.card.number)","version":"v2"}"#)?.code
                == .cardBlocked)

        let printed = printedNumber()
        let replacement = try run(
            #"{"kind":"replace","card_number":"\#(original.card.number)","new_card_number":"\#(printed)","reason":"lost"}"#)
        #expect(replacement.card.number == printed)
        #expect(replacement.card.status == "active")
        #expect(replacement.customer == original.customer)
        #expect(replacement.agreement?.version == "v1")
        let old = try run(#"{"kind":"lookup","card_number":"\#(original.card.number)"}"#)
        #expect(old.card.status == "replaced")
        #expect(old.card.replacedBy == printed)
        // The same replacement again answers with the same card; another one is refused.
        #expect(
            try run(
                #"{"kind":"replace","card_number":"\#(original.card.number)","new_card_number":"\#(printed)","reason":"lost"}"#)
                == replacement)
        #expect(
            try failure(#"{"kind":"replace","card_number":"\#(original.card.number)","new_card_number":"\#(printedNumber())"}"#)?
                .code == .cardReplaced)
        #expect(try failure(#"{"kind":"block","card_number":"\#(original.card.number)","reason":"x"}"#)?.code == .cardReplaced)
        // Looking the customer up now finds the replacement.
        #expect(try run(#"{"kind":"lookup","external_id":"\#(original.customer.externalId!)"}"#).card.number == printed)
        // A virtual replacement of the replacement.
        let virtual = try run(#"{"kind":"replace","card_number":"\#(printed)"}"#)
        #expect(virtual.card.origin == "virtual")
        #expect(virtual.customer.id == original.customer.id)
    }

    @Test func contradictoryIdentifiersAreRefused() throws {
        let a = TestDatabase.unique("C"), b = TestDatabase.unique("C")
        _ = try run(#"{"kind":"issue","customer":{"external_id":"\#(a)","email":"\#(a)@example.com"}}"#)
        _ = try run(#"{"kind":"issue","customer":{"external_id":"\#(b)","email":"\#(b)@example.com"}}"#)
        let twoPeople = try failure(#"{"kind":"issue","customer":{"external_id":"\#(a)","email":"\#(b)@example.com"}}"#)
        #expect(twoPeople?.code == .customerMismatch)
        let otherLink = try failure(#"{"kind":"link","card_number":"\#(printedNumber())","customer":{"external_id":"\#(a)"}}"#)
        #expect(otherLink?.code == .customerHasCard)
    }

    @Test func badInputNamesTheFieldAndWritesNothing() throws {
        let id = TestDatabase.unique("C")
        let cases: [(String, String)] = [
            (#"{"kind":"issue","customer":{"external_id":"\#(id)","email":"not-an-email"}}"#, "customer.email"),
            (#"{"kind":"issue","customer":{"external_id":"\#(id)","phone":"call me"}}"#, "customer.phone"),
            (#"{"kind":"issue","customer":{"external_id":"\#(id)","locale":"english"}}"#, "customer.locale"),
            (#"{"kind":"issue","customer":{"name":"only a name"}}"#, "customer"),
            (#"{"kind":"issue","customer":{"external_id":"   "}}"#, "customer.external_id"),
            (#"{"kind":"issue","programme":"Bad Programme!","customer":{"external_id":"\#(id)"}}"#, "programme"),
            (#"{"kind":"block","card_number":"7789000000000010","reason":""}"#, "reason"),
        ]
        for (event, field) in cases {
            let error = try failure(event)
            #expect(error?.kind == .badInput, "\(event)")
            #expect(error?.field == field, "\(event)")
        }
        #expect(try failure(#"{"kind":"lookup","external_id":"\#(id)"}"#)?.code == .cardNotFound)
    }

    @Test func theDatabaseEnforcesTheRulesToo() throws {
        let database = try TestDatabase.make()
        let view = try run(#"{"kind":"issue","customer":{"external_id":"\#(TestDatabase.unique("C"))"}}"#)
        func violation(_ sql: SQL, on target: Database? = nil) -> SQLState? {
            do {
                try (target ?? database).withTransaction { try $0.query(sql) }
                return nil
            } catch let error as PostgresError {
                return error.sqlState
            } catch {
                return nil
            }
        }
        #expect(
            violation(
                """
                INSERT INTO cards (number, programme_id, customer_id, origin) VALUES ('7789000000000011', 'default', \(view.customer.id), 'printed')
                """) == .checkViolation)
        #expect(
            violation("INSERT INTO customers (programme_id, email) VALUES ('default', \("Upper@Example.com"))") == .checkViolation
        )
        #expect(violation("INSERT INTO customers (programme_id, phone) VALUES ('default', \("5551234"))") == .checkViolation)
        #expect(
            violation(
                """
                INSERT INTO cards (number, programme_id, customer_id, origin) VALUES (\(printedNumber()), 'default', \(view.customer.id), 'printed')
                """) == .uniqueViolation)  // a second active card
        // The functions' role may not even try (42501, DatabaseRoleTests); past the grants, as the owner,
        // the append-only trigger still refuses.
        let admin = try TestDatabase.admin()
        #expect(
            violation("UPDATE card_events SET reason = 'rewritten' WHERE card_number = \(view.card.number)", on: admin)
                == SQLState("23001"))
        #expect(violation("DELETE FROM card_events WHERE card_number = \(view.card.number)", on: admin) == SQLState("23001"))
        #expect(violation("DELETE FROM card_events WHERE card_number = \(view.card.number)") == SQLState("42501"))
    }

    @Test func aRaceToIssueTheSameCustomerYieldsOneCard() async throws {
        let id = TestDatabase.unique("C")
        let numbers = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try self.run(#"{"kind":"issue","customer":{"external_id":"\#(id)"}}"#).card.number
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(numbers.count == 1)
    }
}
