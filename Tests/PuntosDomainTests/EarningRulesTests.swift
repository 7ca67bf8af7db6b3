import Foundation
import PuntosCore
import PuntosLedger
import PuntosRuntime
import Testing

/// The pure rules of earning from actions and referrals: codes, birth dates, guards, cap periods.
@Suite struct EarningRulesTests {
    @Test func aReferralCodeIsUnguessableAndCatchesEveryTypo() throws {
        let codes = Set((0..<200).map { _ in ReferralCode.generate().value })
        #expect(codes.count == 200)
        let code = ReferralCode.generate()
        #expect(code.value.count == 13)
        #expect(code.description.split(separator: "-").map(\.count) == [4, 4, 5])
        #expect(try ReferralCode.parse(code.description.lowercased(), field: "referral_code") == code)
        // Every single substitution is caught by the check character.
        let characters = Array(code.value)
        for index in characters.indices {
            for replacement in CheckedCode.alphabet where replacement != characters[index] {
                var typo = characters
                typo[index] = replacement
                #expect(
                    refusal { _ = try ReferralCode.parse(String(typo), field: "referral_code") }?.code == .invalidReferralCode)
            }
        }
        #expect(refusal { _ = try ReferralCode.parse("ABC", field: "code") }?.field == "code")
        // Coupon codes share the check: a generated one parses.
        let coupon = CheckedCode.generate(randomLength: 15)
        #expect(CheckedCode.checksOut(Array(coupon)))
    }

    @Test func aBirthDateIsAPastCalendarDay() throws {
        let now = Date(timeIntervalSince1970: 1_796_256_000)  // 2026-12-03T00:00:00Z
        #expect(try BirthDate.parse("2000-02-29", field: "b", now: now).description == "2000-02-29")
        #expect(try BirthDate.parse("2026-12-04", field: "b", now: now).description == "2026-12-04", "already today east of UTC")
        for bad in [
            "1900-02-29", "2026-12-05", "1990-13-01", "1990-00-10", "1990-04-31", "90-04-01", "1990-4-01", "1899-12-31", "",
        ] {
            let error = refusal { _ = try BirthDate.parse(bad, field: "customer.birth_date", now: now) }
            #expect(error?.field == "customer.birth_date", "\(bad)")
            #expect(error?.kind == .badInput, "\(bad)")
        }
        #expect(BirthDate.daysIn(month: 2, year: 2028) == 29)
        #expect(BirthDate.daysIn(month: 2, year: 2100) == 28)
    }

    @Test func theGuardsCompareOneMailboxHoweverWritten() {
        #expect(ReferralGuard.canonicalEmail("Jo.Doe+ref@GoogleMail.com") == "jodoe@gmail.com")
        #expect(ReferralGuard.canonicalEmail("jo.doe+x@example.com") == "jo.doe@example.com")
        let referrer = ReferralGuard.Party(customerId: 1, email: "jo.doe@gmail.com", phone: "+15550001", cardNumbers: ["111"])
        func refusal(_ email: String?, _ phone: String?, id: Int64 = 2, card: String = "222", member: Bool = false)
            -> ReferralGuard.Refusal?
        {
            ReferralGuard.refusal(
                referrer: referrer, referred: .init(customerId: id, email: email, phone: phone, cardNumbers: [card]), card: card,
                wasMember: member)
        }
        #expect(refusal("jodoe+1@gmail.com", nil) == .sameEmail)
        #expect(refusal("other@gmail.com", "+15550001") == .samePhone)
        #expect(refusal(nil, nil, id: 1, card: "111") == .sameCard)
        #expect(refusal(nil, nil, id: 1) == .selfReferral)
        #expect(refusal(nil, nil, member: true) == .notNewCustomer)
        #expect(refusal("new@example.com", "+15550002") == nil)
    }

    @Test func aCapPeriodIsTheProgrammesDayMonthOrYear() {
        #expect(CapPeriod.day.key(day: "2026-12-03") == "2026-12-03")
        #expect(CapPeriod.month.key(day: "2026-12-03") == "2026-12")
        #expect(CapPeriod.year.key(day: "2026-12-03") == "2026")
        #expect(CapPeriod.once.key(day: "2026-12-03") == "once")
        #expect(CapPeriod.once.words == "in all")
        #expect(CapPeriod.day.words == "per day")
    }
}
