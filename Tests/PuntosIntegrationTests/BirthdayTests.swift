import Foundation
import PuntosCards
import PuntosCore
import PuntosData
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// The birthday, from the schedule: members whose birthday it is (in the programme's time zone)
/// earn the `birthday` action once a year.
@Suite struct BirthdayTests {
    static func day(_ date: Date, in zone: String = "UTC") -> (month: Int, day: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        let c = calendar.dateComponents([.month, .day], from: date)
        return (c.month!, c.day!)
    }

    static func birthDate(on date: Date, in zone: String = "UTC") -> String {
        let (month, day) = day(date, in: zone)
        return String(format: "%d-%02d-%02d", month == 2 && day == 29 ? 1992 : 1990, month, day)
    }

    @Test func theBirthdaySweepCreditsEachMemberOncePerYear() throws {
        let f = try LedgerFixture()
        _ = try f.configure(#"{"kind":"action","action":"birthday","points":300,"cap_period":"year"}"#)
        // Tomorrow, so that the sweep's moment is never in the past.
        let now = Date().addingTimeInterval(86_400)
        let birthday = Self.birthDate(on: now)
        let member = try f.member(#"{"external_id":"\#(TestDatabase.unique("B"))","birth_date":"\#(birthday)"}"#)
        #expect(member.customer.birthDate == birthday)
        let other = try f.member(
            #"{"external_id":"\#(TestDatabase.unique("B"))","birth_date":"\#(Self.birthDate(on: now.addingTimeInterval(-86_400 * 3)))"}"#
        )
        let without = try f.member(#"{"external_id":"\#(TestDatabase.unique("B"))"}"#)
        #expect(try f.sweep("birthdays", now: now) == EarnSweepResult(credited: 1, points: 300))
        #expect(try f.sweep("birthdays", now: now) == EarnSweepResult(), "the second sweep of the day finds nobody due")
        #expect(try f.sweep("birthdays", now: now.addingTimeInterval(3_600)) == EarnSweepResult())
        #expect(try f.balance(of: member.card.number).available == 300)
        #expect(try f.balance(of: other.card.number).available == 0)
        #expect(try f.balance(of: without.card.number).available == 0)
        // The next year's birthday earns again.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let nextYear = calendar.date(byAdding: .year, value: 1, to: now)!
        if Self.day(nextYear) == Self.day(now) {
            #expect(try f.sweep("birthdays", now: nextYear) == EarnSweepResult(credited: 1, points: 300))
            #expect(try f.balance(of: member.card.number).available == 600)
        }
        let rule: String = try f.database.withConnection {
            try $0.query(
                "SELECT rule->>'action' AS action FROM ledger_entries WHERE programme_id = \(f.programme) ORDER BY id LIMIT 1"
            ).one().decode("action")
        }
        #expect(rule == "birthday")
        try f.checkInvariants()
    }

    /// A birthday is the programme's day: at 20:00 UTC it is already the next day in Tokyo.
    @Test func theBirthdayIsTheProgrammesDay() throws {
        let f = try LedgerFixture()
        try f.setTimeZone("Asia/Tokyo")
        _ = try f.configure(#"{"kind":"action","action":"birthday","points":100,"cap_period":"year"}"#)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let tomorrow = calendar.startOfDay(for: Date().addingTimeInterval(86_400))
        let evening = tomorrow.addingTimeInterval(20 * 3_600)  // 05:00 the day after, in Tokyo
        let member = try f.member(
            #"{"external_id":"\#(TestDatabase.unique("B"))","birth_date":"\#(Self.birthDate(on: evening, in: "Asia/Tokyo"))"}"#)
        #expect(try f.sweep("birthdays", now: evening).credited == 1)
        #expect(try f.balance(of: member.card.number).available == 100)
        // Without a birthday rule (or with it switched off) the sweep credits nobody.
        _ = try f.configure(#"{"kind":"action","action":"birthday","points":100,"cap_period":"year","active":false}"#)
        #expect(try f.sweep("birthdays", now: evening.addingTimeInterval(366 * 86_400)) == EarnSweepResult())
    }

    @Test func aBirthDateIsAddedWhenMissingAndValidated() throws {
        let f = try LedgerFixture()
        let external = TestDatabase.unique("B")
        let card = try f.member(#"{"external_id":"\#(external)"}"#)
        #expect(card.customer.birthDate == nil)
        let completed = try f.registerCard(
            #"{"kind":"issue","customer":{"external_id":"\#(external)","birth_date":"1985-07-14"}}"#)
        #expect(completed.customer.birthDate == "1985-07-14")
        #expect(completed.card.number == card.card.number)
        let changed = f.failure {
            try f.registerCard(#"{"kind":"issue","customer":{"external_id":"\#(external)","birth_date":"1985-07-15"}}"#)
        }
        #expect(changed?.code == .customerMismatch)
        #expect(changed?.field == "customer.birth_date")
        for bad in ["1985-02-30", "1985-7-14", "14.07.1985", "2999-01-01", "1899-12-31", ""] {
            let refused = f.failure {
                try f.registerCard(
                    #"{"kind":"issue","customer":{"external_id":"\#(TestDatabase.unique("B"))","birth_date":"\#(bad)"}}"#)
            }
            #expect(refused?.kind == .badInput, "\(bad)")
            #expect(refused?.field == "customer.birth_date", "\(bad)")
        }
        #expect(
            try f.database.withConnection {
                try $0.query("SELECT count(*)::int AS n FROM customers WHERE programme_id = \(f.programme)").one().decode("n")
            } == 1)
    }

    @Test func anErasedMemberLosesTheBirthDateAndNoLongerHasBirthdays() throws {
        let f = try LedgerFixture()
        _ = try f.configure(#"{"kind":"action","action":"birthday","points":300,"cap_period":"year"}"#)
        let now = Date().addingTimeInterval(86_400)
        let external = TestDatabase.unique("B")
        let member = try f.member(#"{"external_id":"\#(external)","birth_date":"\#(Self.birthDate(on: now))"}"#)
        _ = try MemberData().handle(
            try EventDecoding.decode(
                MemberDataEvent.self,
                from: f.json(#"{"kind":"erase","card_number":"\#(member.card.number)","reason":"GDPR art. 17 request"}"#)),
            context: f.context())
        let birthDate: String? = try f.database.withConnection {
            try $0.query("SELECT birth_date::text AS b FROM customers WHERE id = \(member.customer.id)").one().decodeIfPresent(
                "b")
        }
        #expect(birthDate == nil)
        #expect(try f.sweep("birthdays", now: now) == EarnSweepResult())
    }
}
