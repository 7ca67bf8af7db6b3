import Foundation
import PuntosCards
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// Referrals: a member's code; the referred customer's first qualifying purchase credits both, once,
/// after its return window closes; fraud guards, each refusal recorded with its reason.
@Suite struct ReferralTests {
    /// A programme whose points stay pending 14 days (the return window); a referral earns the
    /// referrer 500 and the referred customer 200 on a first purchase of at least $50.
    func programme(cap: Int = 5) throws -> LedgerFixture {
        var settings = LedgerFixture.Settings()
        settings.pendingDays = 14
        let f = try LedgerFixture(settings)
        let rule = try f.configure(
            #"{"kind":"referrals","referrer_points":500,"referred_points":200,"min_purchase":50,"cap_per_referrer":\#(cap)}"#)
        #expect(
            rule.referrals
                == ReferralRule(
                    version: 1, referrerPoints: 500, referredPoints: 200, minPurchase: 50, capPerReferrer: cap, active: true))
        return f
    }

    func referred(_ f: LedgerFixture, by code: String) throws -> CardView {
        let view = try f.member(#"{"email":"\#(TestDatabase.unique("r"))@example.com"}"#, referralCode: code)
        #expect(view.referral == ReferralView(status: "pending"))
        return view
    }

    @Test func aQualifyingFirstPurchaseCreditsBothOnceAfterItsReturnWindow() throws {
        let f = try programme()
        let referrer = try f.member(#"{"email":"ana@example.com"}"#)
        let code = try f.referralCode(of: referrer.card.number)
        #expect(try f.referralCode(of: referrer.card.number) == code, "a member has one code")
        #expect(code.count == 15 && code.split(separator: "-").count == 3)
        let friend = try referred(f, by: code)
        let now = Date()
        // Below the minimum: no referral; then the first qualifying purchase.
        _ = try f.accrue(invoice(friend.card.number, "SMALL-1", amount: "40.00", date: now))
        _ = try f.accrue(invoice(friend.card.number, "FIRST-1", amount: "100.00", date: now))
        #expect(try f.sweep("referrals", now: now.addingTimeInterval(7 * 86_400)) == EarnSweepResult())
        #expect(
            try f.sweep("referrals", now: now.addingTimeInterval(15 * 86_400)) == EarnSweepResult(credited: 1, points: 700))
        #expect(try f.sweep("referrals", now: now.addingTimeInterval(16 * 86_400)) == EarnSweepResult())
        let referrerBalance = try f.balance(of: referrer.card.number)
        #expect(referrerBalance.available == 500)
        let friendBalance = try f.balance(of: friend.card.number)
        #expect(friendBalance.available == 200)
        #expect(friendBalance.pending == 140, "the purchases' own points wait for expire to activate them")
        #expect(try f.referrals().map(\.status) == ["credited"])
        let entries = try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT rule->>'role' AS role, available_delta, invoice_number, source FROM ledger_entries
                WHERE programme_id = \(f.programme) AND rule ? 'referral' ORDER BY id
                """
            ).map { row -> String in
                let role: String = try row.decode("role")
                let points: Int64 = try row.decode("available_delta")
                let invoice: String? = try row.decodeIfPresent("invoice_number")
                let source: String = try row.decode("source")
                return "\(role) \(points) \(invoice ?? "-") \(source)"
            }
        }
        #expect(entries == ["referrer 500 - earn-sweep.referrals", "referred 200 FIRST-1 earn-sweep.referrals"])
        try f.checkInvariants()
    }

    @Test func aPurchaseReturnedWithinItsWindowEarnsNoReferral() throws {
        let f = try programme()
        let referrer = try f.member(#"{"email":"ana@example.com"}"#)
        let friend = try referred(f, by: try f.referralCode(of: referrer.card.number))
        let now = Date()
        _ = try f.accrue(invoice(friend.card.number, "RET-1", amount: "100.00", date: now))
        let returned = try f.accrue(#"{"kind":"return","return_number":"RR-1","invoice_number":"RET-1"}"#)
        #expect(returned.points == -100)
        #expect(try f.sweep("referrals", now: now.addingTimeInterval(15 * 86_400)) == EarnSweepResult())
        #expect(try f.balance(of: referrer.card.number).available == 0)
        #expect(try f.balance(of: friend.card.number).available == 0)
        #expect(try f.referrals().map(\.status) == ["pending"])
        // A purchase kept past its window is the first that qualifies.
        _ = try f.accrue(invoice(friend.card.number, "KEPT-1", amount: "60.00", date: now))
        #expect(
            try f.sweep("referrals", now: now.addingTimeInterval(15 * 86_400)) == EarnSweepResult(credited: 1, points: 700))
        #expect(try f.balance(of: referrer.card.number).available == 500)
        try f.checkInvariants()
    }

    @Test func aReferrerEarnsAtMostTheCap() throws {
        let f = try programme(cap: 1)
        let referrer = try f.member(#"{"email":"ana@example.com"}"#)
        let code = try f.referralCode(of: referrer.card.number)
        let first = try referred(f, by: code)
        let second = try referred(f, by: code)
        let now = Date()
        _ = try f.accrue(invoice(first.card.number, "CAP-1", amount: "80.00", date: now))
        _ = try f.accrue(invoice(second.card.number, "CAP-2", amount: "80.00", date: now))
        #expect(
            try f.sweep("referrals", now: now.addingTimeInterval(15 * 86_400))
                == EarnSweepResult(credited: 1, points: 700, refused: 1))
        #expect(try f.referrals().map { "\($0.status) \($0.reason ?? "-")" } == ["credited -", "refused referrer_cap_reached"])
        #expect(try f.balance(of: referrer.card.number).available == 500)
        #expect(try f.balance(of: first.card.number).available == 200)
        #expect(try f.balance(of: second.card.number).available == 0)
        #expect(try f.sweep("referrals", now: now.addingTimeInterval(16 * 86_400)) == EarnSweepResult())
    }

    /// Four sweeps at once credit a referral once.
    @Test func concurrentSweepsCreditOnce() throws {
        let f = try programme()
        let referrer = try f.member(#"{"email":"ana@example.com"}"#)
        let friend = try referred(f, by: try f.referralCode(of: referrer.card.number))
        let now = Date()
        _ = try f.accrue(invoice(friend.card.number, "RACE-1", amount: "100.00", date: now))
        let credited = LockedResults()
        let threads = (0..<4).map { _ in
            Thread {
                do {
                    let database = try TestDatabase.make()
                    defer { database.close() }
                    let result = try EarnSweep().handle(
                        try EventDecoding.decode(EarnSweepEvent.self, from: f.json(#"{"kind":"referrals"}"#)),
                        context: FunctionContext.make(
                            database: database, logger: TestDatabase.logger, now: now.addingTimeInterval(15 * 86_400)))
                    credited.add(Int64(result.credited))
                } catch {
                    credited.add(-1)
                }
            }
        }
        threads.forEach { $0.start() }
        while credited.count < 4 { usleep(10_000) }
        #expect(credited.values.sorted() == [0, 0, 0, 1])
        #expect(try f.balance(of: referrer.card.number).available == 500)
        #expect(try f.balance(of: friend.card.number).available == 200)
        try f.checkInvariants()
    }

    @Test func eachFraudGuardRefusesWithItsReasonAndTheCardIsStillRegistered() throws {
        let f = try programme()
        let byEmail = try f.member(#"{"email":"jo.doe@gmail.com"}"#)
        let alias = try f.member(
            #"{"email":"JoDoe+promo@googlemail.com"}"#, referralCode: try f.referralCode(of: byEmail.card.number))
        #expect(alias.referral == ReferralView(status: "refused", reason: "same_email"))
        #expect(alias.customer.id != byEmail.customer.id)

        let byPhone = try f.member(#"{"phone":"+15551230001"}"#)
        let samePhone = try f.registerCard(
            #"{"kind":"issue","customer":{"phone":"+1 555 123 0001"},"referral_code":"\#(try f.referralCode(of: byPhone.card.number))"}"#
        )
        #expect(samePhone.referral == ReferralView(status: "refused", reason: "same_phone"))

        let external = TestDatabase.unique("R")
        let byCard = try f.member(#"{"external_id":"\#(external)"}"#)
        let cardCode = try f.referralCode(of: byCard.card.number)
        let sameCard = try f.registerCard(
            #"{"kind":"issue","customer":{"external_id":"\#(external)"},"referral_code":"\#(cardCode)"}"#)
        #expect(sameCard.card.number == byCard.card.number)
        #expect(sameCard.referral == ReferralView(status: "refused", reason: "same_card"))
        _ = try f.registerCard(#"{"kind":"block","card_number":"\#(byCard.card.number)","reason":"lost"}"#)
        let selfReferral = try f.registerCard(
            #"{"kind":"issue","customer":{"external_id":"\#(external)"},"referral_code":"\#(cardCode)"}"#)
        #expect(selfReferral.card.number != byCard.card.number)
        #expect(selfReferral.referral == ReferralView(status: "refused", reason: "self_referral"))

        let oldMember = TestDatabase.unique("M")
        _ = try f.member(#"{"external_id":"\#(oldMember)"}"#)
        let late = try f.registerCard(
            #"{"kind":"issue","customer":{"external_id":"\#(oldMember)"},"referral_code":"\#(try f.referralCode(of: byEmail.card.number))"}"#
        )
        #expect(late.referral == ReferralView(status: "refused", reason: "not_new_customer"))

        #expect(
            try f.referrals().map { "\($0.status) \($0.reason ?? "-")" } == [
                "refused same_email", "refused same_phone", "refused same_card", "refused self_referral",
                "refused not_new_customer",
            ])
        // A refused referral earns nothing, whatever is bought.
        let now = Date()
        _ = try f.accrue(invoice(alias.card.number, "ALIAS-1", amount: "100.00", date: now))
        #expect(try f.sweep("referrals", now: now.addingTimeInterval(15 * 86_400)) == EarnSweepResult())
        #expect(try f.balance(of: byEmail.card.number).available == 0)
    }

    @Test func badCodesAndRulesAreRefusedNamingTheField() throws {
        let f = try programme()
        let referrer = try f.member(#"{"email":"ana@example.com"}"#)
        let code = try f.referralCode(of: referrer.card.number)
        var characters = Array(code.replacingOccurrences(of: "-", with: ""))
        characters[2] = characters[2] == "7" ? "8" : "7"
        let typo = String(characters)
        func refusal(_ given: String) -> FunctionError? {
            f.failure {
                try f.registerCard(
                    #"{"kind":"issue","customer":{"email":"\#(TestDatabase.unique("x"))@example.com"},"referral_code":"\#(given)"}"#
                )
            }
        }
        for bad in ["ABC", typo, code + "X"] {
            let error = refusal(bad)
            #expect(error?.code == .invalidReferralCode, "\(bad)")
            #expect(error?.field == "referral_code")
        }
        let unknown = refusal(ReferralCode.generate().description)
        #expect(unknown?.code == .referralCodeNotFound)
        #expect(unknown?.field == "referral_code")
        // Lower case and O for 0 are read as meant.
        let typed = try referred(f, by: code.lowercased())
        #expect(typed.referral?.status == "pending")
        #expect(try f.referrals().count == 1)

        func field(_ body: String) -> String? {
            let error = f.failure { try f.configure(body) }
            #expect(error?.kind == .badInput)
            return error?.field
        }
        let rule = #"{"kind":"referrals","referred_points":200,"cap_per_referrer":3"#
        #expect(field(rule + #","referrer_points":-1}"#) == "referrer_points")
        #expect(field(#"{"kind":"referrals","referrer_points":0,"referred_points":0,"cap_per_referrer":3}"#) == "referrer_points")
        #expect(field(rule + #","referrer_points":1,"min_purchase":1.005}"#) == "min_purchase")
        #expect(field(rule + #","referrer_points":1,"min_purchase":-1}"#) == "min_purchase")
        #expect(
            field(#"{"kind":"referrals","referrer_points":1,"referred_points":1,"cap_per_referrer":0}"#) == "cap_per_referrer")
        #expect(field(rule + #","referrer_points":1,"forged":1}"#) == "forged")
        #expect(field(rule + "}") == "referrer_points")
    }
}
