import Foundation
import PuntosCards
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// `accrue` kind `action`: points per action, caps per period, versioned rules, replays and races.
@Suite struct ActionTests {
    @Test func anActionEarnsUpToItsCapPerPeriodAndNothingBeyond() throws {
        let f = try LedgerFixture()
        let card = try f.card()
        let rule = try f.configure(
            #"{"kind":"action","action":"product_review","points":50,"cap_period":"day","cap_count":2}"#)
        #expect(
            rule.action
                == ActionRule(action: "product_review", version: 1, points: 50, capPeriod: .day, capCount: 2, active: true))
        let day = at("2027-03-10T09:00:00Z")
        #expect(try f.act(card, "product_review", now: day).points == 50)
        #expect(try f.act(card, "product_review", now: day.addingTimeInterval(3_600)).points == 50)
        let third = try f.act(card, "product_review", now: day.addingTimeInterval(7_200))
        #expect(third.status == "capped")
        #expect(third.points == 0)
        #expect(third.reason == "product_review earns at most 2 per day (2027-03-10); the cap is reached")
        #expect(third.balance.available == 100)
        // The next day counts afresh.
        #expect(try f.act(card, "product_review", now: day.addingTimeInterval(86_400)).points == 50)
        // Once: in the customer's whole membership.
        _ = try f.configure(#"{"kind":"action","action":"sign_up","points":100,"cap_period":"once"}"#)
        #expect(try f.act(card, "sign_up", now: day).points == 100)
        let again = try f.act(card, "sign_up", now: day.addingTimeInterval(400 * 86_400))
        #expect(again.status == "capped")
        #expect(again.reason == "sign_up earns at most 1 in all; the cap is reached")
        #expect(try f.balance(of: card).available == 250)
        // Each entry says which action and rule version it came from.
        let entries = try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT rule->>'action' AS action, (rule->>'version')::int AS version, available_delta, source
                FROM ledger_entries WHERE programme_id = \(f.programme) ORDER BY id
                """
            ).map { row -> String in
                let action: String = try row.decode("action")
                let version: Int = try row.decode("version")
                let points: Int64 = try row.decode("available_delta")
                let source: String = try row.decode("source")
                return "\(action) v\(version) \(points) \(source)"
            }
        }
        #expect(
            entries == [
                "product_review v1 50 accrue.action", "product_review v1 50 accrue.action",
                "product_review v1 50 accrue.action", "sign_up v1 100 accrue.action",
            ])
        try f.checkInvariants()
    }

    /// The period is counted in the programme's time zone: 23:30 on 31 December in Tokyo is still
    /// the old year; 00:30 is the new one.
    @Test func aYearlyCapFollowsTheProgrammesTimeZone() throws {
        let f = try LedgerFixture()
        try f.setTimeZone("Asia/Tokyo")
        let card = try f.card()
        _ = try f.configure(#"{"kind":"action","action":"survey","points":10,"cap_period":"year"}"#)
        #expect(try f.act(card, "survey", now: at("2027-06-01T12:00:00Z")).points == 10)
        let late = try f.act(card, "survey", now: at("2027-12-31T14:30:00Z"))
        #expect(late.status == "capped")
        #expect(late.reason == "survey earns at most 1 per year (2027); the cap is reached")
        #expect(try f.act(card, "survey", now: at("2027-12-31T15:30:00Z")).points == 10)
        #expect(try f.balance(of: card).available == 20)
    }

    @Test func rulesAreVersionedAndAnActionSwitchedOffEarnsNothing() throws {
        let f = try LedgerFixture()
        let card = try f.card()
        let body = #"{"kind":"action","action":"first_app_login","points":20,"cap_period":"once"}"#
        #expect(try f.configure(body).action?.version == 1)
        #expect(try f.configure(body).action?.version == 1, "the same rule again is no new version")
        let raised = try f.configure(#"{"kind":"action","action":"first_app_login","points":30,"cap_period":"once"}"#)
        #expect(raised.action?.version == 2)
        #expect(try f.act(card, "first_app_login").points == 30)
        let version: Int = try f.database.withConnection {
            try $0.query("SELECT rule_version FROM action_credits WHERE programme_id = \(f.programme)").one().decode(
                "rule_version")
        }
        #expect(version == 2)
        let off = try f.configure(
            #"{"kind":"action","action":"first_app_login","points":30,"cap_period":"once","active":false}"#)
        #expect(off.action?.version == 3)
        #expect(off.action?.active == false)
        let refused = f.failure { try f.act(card, "first_app_login") }
        #expect(refused?.code == .actionNotConfigured)
        #expect(refused?.field == "action")
        #expect(f.failure { try f.act(card, "never_configured") }?.code == .actionNotConfigured)
        #expect(try f.balance(of: card).available == 30)
    }

    @Test func aReplayedActionChangesNothing() throws {
        let f = try LedgerFixture()
        let card = try f.card()
        _ = try f.configure(#"{"kind":"action","action":"product_review","points":50,"cap_period":"day","cap_count":5}"#)
        let first = try f.act(card, "product_review", key: "review-1")
        let replay = try f.act(card, "product_review", key: "review-1")
        #expect(first == replay)
        #expect(try f.count("ledger_entries") == 1)
        #expect(try f.count("notices") == 1)
        let conflict = f.failure {
            try f.accrue(
                #"{"kind":"action","idempotency_key":"review-1","card_number":"\#(card)","action":"product_review","reference":"R-2"}"#
            )
        }
        #expect(conflict?.code == .idempotencyConflict)
        #expect(try f.balance(of: card).available == 50)
    }

    /// Eight of the same action at once against a cap of one: exactly one is credited.
    @Test func concurrentActionsHoldTheCap() throws {
        let f = try LedgerFixture()
        let card = try f.card()
        _ = try f.configure(#"{"kind":"action","action":"sign_up","points":100,"cap_period":"once"}"#)
        let credited = LockedResults()
        let capped = LockedResults()
        let threads = (0..<8).map { index in
            Thread {
                do {
                    let database = try TestDatabase.make()
                    defer { database.close() }
                    let event = try EventDecoding.decode(
                        AccrueEvent.self,
                        from: f.json(
                            #"{"kind":"action","idempotency_key":"race-\#(index)","card_number":"\#(card)","action":"sign_up"}"#))
                    let result = try Accrue().handle(
                        event, context: FunctionContext.make(database: database, logger: TestDatabase.logger))
                    if result.status == "capped" { capped.add(result.points) } else { credited.add(result.points) }
                } catch {
                    capped.add(-1)
                }
            }
        }
        threads.forEach { $0.start() }
        while credited.count + capped.count < 8 { usleep(10_000) }
        #expect(credited.values == [100])
        #expect(capped.values == Array(repeating: 0, count: 7))
        #expect(try f.balance(of: card).available == 100)
        #expect(try f.count("ledger_entries") == 1)
        try f.checkInvariants()
    }

    @Test func badInputIsRefusedNamingTheFieldAndChangesNothing() throws {
        let f = try LedgerFixture()
        let card = try f.card()
        func field(_ body: () throws -> Any) -> String? {
            let error = f.failure(body)
            #expect(error?.kind == .badInput)
            return error?.field
        }
        let configure = #"{"kind":"action","action":"survey","points":10,"cap_period":"day""#
        #expect(field { try f.configure(#"{"kind":"action","action":"Bad Name","points":10,"cap_period":"day"}"#) } == "action")
        #expect(field { try f.configure(#"{"kind":"action","action":"survey","points":0,"cap_period":"day"}"#) } == "points")
        #expect(
            field { try f.configure(#"{"kind":"action","action":"survey","points":10,"cap_period":"week"}"#) } == "cap_period")
        #expect(field { try f.configure(configure + #","cap_count":0}"#) } == "cap_count")
        #expect(
            field { try f.configure(#"{"kind":"action","action":"survey","points":10,"cap_period":"once","cap_count":2}"#) }
                == "cap_count")
        #expect(
            field { try f.configure(#"{"kind":"action","action":"birthday","points":10,"cap_period":"day"}"#) }
                == "cap_period")
        #expect(field { try f.configure(configure + #","forged":true}"#) } == "forged")
        _ = try f.configure(configure + "}")
        #expect(field { try f.act(card, "Survey!") } == "action")
        #expect(field { try f.act(card, "birthday") } == "action")
        #expect(field { try f.act("1234", "survey") } == "card_number")
        #expect(field { try f.accrue(#"{"kind":"action","card_number":"\#(card)","action":"survey"}"#) } == "idempotency_key")
        let long = String(repeating: "x", count: 129)
        #expect(
            field {
                try f.accrue(
                    #"{"kind":"action","idempotency_key":"k","card_number":"\#(card)","action":"survey","reference":"\#(long)"}"#)
            } == "reference")
        #expect(try f.count("ledger_entries") == 0)
    }
}
