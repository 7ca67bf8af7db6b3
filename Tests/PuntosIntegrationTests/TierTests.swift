import Foundation
import PuntosCore
import PuntosDelivery
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// Tiers on points earned: an upgrade at once (the crossing invoice at the tier held, the next at
/// the new one, each entry naming its tier), downgrades by each policy at the end of a period or
/// after a return, a replay that changes nothing, and configure's checks.
@Suite struct TierTests {
    /// Silver from 1000 points (×1), Gold from 2000 (×1.5), Platinum from 5000 (×2).
    static func scheme(downgrade: String = "recompute", window: String = #""window":"calendar_year""#) -> String {
        let grace = downgrade == "after_x_days" ? #","grace_days":30"# : ""
        return
            #"{"kind":"tiers","basis":"points",\#(window),"downgrade":"\#(downgrade)"\#(grace),"tiers":[{"code":"silver","name":"Silver","threshold":1000},{"code":"gold","name":"Gold","threshold":2000,"multiplier":1.5},{"code":"platinum","name":"Platinum","threshold":5000,"multiplier":2}]}"#
    }

    func configure(_ f: LedgerFixture, _ body: String) throws -> ConfigureResult {
        try Configure().handle(try EventDecoding.decode(ConfigureEvent.self, from: f.json(body)), context: f.context())
    }

    /// The tier changes of the fixture's programme, oldest first: "from>to reason".
    func changes(_ f: LedgerFixture) throws -> [String] {
        try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT coalesce(from_tier, '-') || '>' || coalesce(to_tier, '-') || ' ' || reason AS change
                FROM tier_changes WHERE programme_id = \(f.programme) ORDER BY id
                """
            ).map { try $0.decode("change") }
        }
    }

    func tierNotices(_ f: LedgerFixture) throws -> Int {
        try f.database.withConnection {
            try $0.query("SELECT count(*) AS n FROM notices WHERE programme_id = \(f.programme) AND kind = 'tier_changed'")
                .one().decode("n")
        }
    }

    /// The tier each accrual entry's rule records, in order ("-" for none).
    func entryTiers(_ f: LedgerFixture) throws -> [String] {
        try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT coalesce(rule->'earning'->'tier'->>'code', '-') || ' ' || coalesce(rule->'earning'->'tier'->>'multiplier', '-')
                       AS tier
                FROM ledger_entries WHERE programme_id = \(f.programme) AND kind = 'accrual' ORDER BY id
                """
            ).map { try $0.decode("tier") }
        }
    }

    static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }

    /// `day` January of `years` after this year (UTC), at noon.
    static func january(_ day: Int, yearsAhead years: Int) -> Date {
        let year = calendar.component(.year, from: Date()) + years
        return calendar.date(from: DateComponents(year: year, month: 1, day: day, hour: 12))!
    }

    @Test func aMemberCrossesGoldMidInvoice() throws {
        let f = try LedgerFixture()
        let configured = try configure(f, Self.scheme())
        #expect(configured.tiers?.version == 1)
        #expect(configured.tiers?.tiers.map(\.code) == ["silver", "gold", "platinum"])
        let card = try f.card()
        // 1500 points, no tier yet: the invoice takes the member to Silver.
        #expect(try f.accrue(invoice(card, "T-1", amount: "1500.00")).points == 1500)
        // At Silver (×1) 700 points: 2200 crosses Gold's 2000 in the middle of this invoice, which
        // earns at the tier held when it came (Silver); the member is Gold from the next one.
        let crossing = invoice(card, "T-2", amount: "700.00")
        #expect(try f.accrue(crossing).points == 700)
        // At Gold: 100.33 × 1.5 = 150.495 points, rounded down as the programme rounds: 150.
        #expect(try f.accrue(invoice(card, "T-3", amount: "100.33")).points == 150)
        #expect(try changes(f) == ["->silver qualified", "silver>gold qualified"])
        #expect(try entryTiers(f) == ["- -", "silver 1", "gold 1.5"])
        #expect(try tierNotices(f) == 2)

        // A replay of the crossing invoice answers as before and changes nothing, notifies nobody.
        let entries = try f.count("ledger_entries")
        let notices = try f.count("notices")
        #expect(try f.accrue(crossing).points == 700)
        #expect(try changes(f).count == 2)
        #expect(try f.count("ledger_entries") == entries)
        #expect(try f.count("notices") == notices)

        // balance: Gold since the crossing, 2350 earned this year, Platinum needs 2650 more by the year's end.
        let status = try #require(try f.balance(#"{"kind":"balance","card_number":"\#(card)"}"#).tier)
        #expect(status.tier == "gold")
        #expect(status.multiplier == Decimal(string: "1.5"))
        #expect(status.qualifying == 2350)
        #expect(status.next?.tier == "platinum")
        #expect(status.next?.needed == 2650)
        let year = Self.calendar.component(.year, from: Date())
        #expect(status.next?.by.map { Self.calendar.component(.year, from: $0) } == year)
        #expect(status.windowFrom == Self.calendar.date(from: DateComponents(year: year, month: 1, day: 1)))
        // The forecast earns at the tier: 10.00 at Gold is 15 points.
        let forecast = try f.balance(
            #"{"kind":"forecast","card_number":"\#(card)","lines":[{"sku":"SKU-1","quantity":1,"amount":10.00}]}"#)
        #expect(forecast.forecast?.points == 15)
        try f.checkInvariants()
    }

    /// Platinum this year; nothing earned next year; the review after that by each policy.
    func platinum(_ downgrade: String) throws -> (LedgerFixture, String) {
        let f = try LedgerFixture()
        _ = try configure(f, Self.scheme(downgrade: downgrade))
        let card = try f.card()
        _ = try f.accrue(invoice(card, "P-1", amount: "5200.00"))
        #expect(try changes(f) == ["->platinum qualified"])
        // At the first new year the member qualified by this year's 5200: kept.
        #expect(try f.expire(now: Self.january(2, yearsAhead: 1)).tierChanges == 0)
        return (f, card)
    }

    @Test func oneDownMovesOneTierAYear() throws {
        let (f, _) = try platinum("one_down")
        // Next year earned nothing: one tier down at its end, once however often the sweep runs.
        #expect(try f.expire(now: Self.january(2, yearsAhead: 2)).tierChanges == 1)
        #expect(try f.expire(now: Self.january(3, yearsAhead: 2)).tierChanges == 0)
        #expect(try f.expire(now: Self.january(2, yearsAhead: 3)).tierChanges == 1)
        #expect(try changes(f) == ["->platinum qualified", "platinum>gold period_end", "gold>silver period_end"])
        #expect(try tierNotices(f) == 3)
    }

    @Test func recomputeMovesToWhatTheYearQualified() throws {
        let (f, card) = try platinum("recompute")
        #expect(try f.expire(now: Self.january(2, yearsAhead: 2)).tierChanges == 1)
        #expect(try changes(f) == ["->platinum qualified", "platinum>- period_end"])
        let status = try f.balance(#"{"kind":"balance","card_number":"\#(card)"}"#, now: Self.january(3, yearsAhead: 2)).tier
        #expect(status?.tier == nil)
        #expect(status?.multiplier == 1)
        #expect(status?.next?.tier == "silver")
        #expect(status?.next?.needed == 1000)
        #expect(try f.expire(now: Self.january(2, yearsAhead: 3)).tierChanges == 0)
    }

    @Test func afterXDaysWaitsForTheGraceAndCountsWhatWasEarnedInIt() throws {
        let (f, card) = try platinum("after_x_days")
        // In the 30 days of grace nothing moves; the member earns 1200.00 × 2 = 2400 points in it.
        #expect(try f.expire(now: Self.january(2, yearsAhead: 2)).tierChanges == 0)
        let inGrace = Self.january(10, yearsAhead: 2)
        #expect(try f.accrue(invoice(card, "P-2", amount: "1200.00", date: inGrace), now: inGrace).points == 2400)
        #expect(try f.expire(now: Self.january(20, yearsAhead: 2)).tierChanges == 0)
        // The grace is over: 2400 in the twelve months to its end qualifies for Gold.
        let after = Self.january(2, yearsAhead: 2).addingTimeInterval(35 * 86_400)
        #expect(try f.expire(now: after).tierChanges == 1)
        #expect(try f.expire(now: after.addingTimeInterval(86_400)).tierChanges == 0)
        #expect(try changes(f) == ["->platinum qualified", "platinum>gold grace_ended"])
    }

    @Test func aReturnUndoingQualifyingPointsFollowsThePolicy() throws {
        // recompute: at once, down to what is left (700 points: no tier).
        let f = try LedgerFixture()
        _ = try configure(f, Self.scheme(downgrade: "recompute"))
        let card = try f.card()
        _ = try f.accrue(invoice(card, "R-1", amount: "1500.00"))
        _ = try f.accrue(invoice(card, "R-2", amount: "700.00"))
        let returned = try f.accrue(#"{"kind":"return","return_number":"RR-1","invoice_number":"R-1"}"#)
        #expect(returned.points == -1500)
        #expect(try changes(f) == ["->silver qualified", "silver>gold qualified", "gold>- return"])
        #expect(try f.balance(#"{"kind":"balance","card_number":"\#(card)"}"#).tier?.qualifying == 700)

        // one_down: at once, one tier down (Gold to Silver) though 700 qualifies for none.
        let g = try LedgerFixture()
        _ = try configure(g, Self.scheme(downgrade: "one_down"))
        let card2 = try g.card()
        _ = try g.accrue(invoice(card2, "R-1", amount: "1500.00"))
        _ = try g.accrue(invoice(card2, "R-2", amount: "700.00"))
        _ = try g.accrue(#"{"kind":"return","return_number":"RR-1","invoice_number":"R-1"}"#)
        #expect(try changes(g) == ["->silver qualified", "silver>gold qualified", "gold>silver return"])

        // after_x_days (a rolling year): the tier stays through the grace from the return, then the sweep recomputes.
        let h = try LedgerFixture()
        _ = try configure(h, Self.scheme(downgrade: "after_x_days", window: #""window":"rolling_months","window_months":12"#))
        let card3 = try h.card()
        _ = try h.accrue(invoice(card3, "R-1", amount: "1500.00"))
        _ = try h.accrue(invoice(card3, "R-2", amount: "700.00"))
        _ = try h.accrue(#"{"kind":"return","return_number":"RR-1","invoice_number":"R-1"}"#)
        #expect(try changes(h) == ["->silver qualified", "silver>gold qualified"])
        #expect(try h.expire(now: Date().addingTimeInterval(10 * 86_400)).tierChanges == 0)
        #expect(try h.expire(now: Date().addingTimeInterval(31 * 86_400)).tierChanges == 1)
        #expect(try changes(h) == ["->silver qualified", "silver>gold qualified", "gold>- return"])
        try h.checkInvariants()
    }

    @Test func everyTierNoticeHasItsMessageInEveryLocale() throws {
        let (f, _) = try platinum("one_down")
        _ = try f.expire(now: Self.january(2, yearsAhead: 2))
        let payloads = try f.database.withConnection { connection in
            try connection.query(
                "SELECT payload::text AS payload FROM notices WHERE programme_id = \(f.programme) AND kind = 'tier_changed' ORDER BY id"
            ).map { row -> [String: JSONValue] in
                let text: String = try row.decode("payload")
                guard case .object(let payload) = try JSONCoding.decoder().decode(JSONValue.self, from: Data(text.utf8)) else {
                    return [:]
                }
                return payload
            }
        }
        #expect(payloads.count == 2)
        for payload in payloads { PayloadCoverage.expectEveryKeyAccountedFor("tier_changed", payload) }
        for locale in MessageTemplates.locales {
            let up = MessageTemplates.render(NoticeFacts(kind: "tier_changed", name: "Ana", payload: payloads[0]), locale: locale)
            #expect(up.subject.contains("Platinum"), "\(locale): \(up.subject)")
            #expect(up.line.contains("2×") || up.line.contains("в 2 раза"), "\(locale): \(up.line)")
            let down = MessageTemplates.render(
                NoticeFacts(kind: "tier_changed", name: "Ana", payload: payloads[1]), locale: locale)
            #expect(down.subject.contains("Gold"), "\(locale): \(down.subject)")
            #expect(down.line.contains("Platinum") && down.line.contains("Gold"), "\(locale): \(down.line)")
            #expect(down.subject != up.subject)
        }
    }

    @Test func badTiersAreRefusedNamingTheField() throws {
        let f = try LedgerFixture()
        func field(_ body: String) -> String? {
            let error = f.failure { try configure(f, body) }
            #expect(error?.exitCode == 65, "\(body)")
            return error?.field
        }
        let tiers = #""tiers":[{"code":"silver","name":"Silver","threshold":1000}]"#
        #expect(
            field(#"{"kind":"tiers","basis":"balance","window":"calendar_year","downgrade":"recompute",\#(tiers)}"#) == "basis")
        #expect(field(#"{"kind":"tiers","basis":"points","window":"weekly","downgrade":"recompute",\#(tiers)}"#) == "window")
        #expect(
            field(
                #"{"kind":"tiers","basis":"points","window":"calendar_year","window_months":6,"downgrade":"recompute",\#(tiers)}"#
            )
                == "window_months")
        #expect(
            field(#"{"kind":"tiers","basis":"points","window":"calendar_year","downgrade":"after_x_days",\#(tiers)}"#)
                == "grace_days")
        #expect(
            field(#"{"kind":"tiers","basis":"points","window":"calendar_year","downgrade":"sideways",\#(tiers)}"#) == "downgrade")
        #expect(
            field(#"{"kind":"tiers","basis":"points","window":"calendar_year","downgrade":"recompute","tiers":[]}"#) == "tiers")
        #expect(
            field(
                #"{"kind":"tiers","basis":"points","window":"calendar_year","downgrade":"recompute","tiers":[{"code":"a","name":"A","threshold":500},{"code":"b","name":"B","threshold":500}]}"#
            ) == "tiers[1].threshold")
        #expect(
            field(
                #"{"kind":"tiers","basis":"points","window":"calendar_year","downgrade":"recompute","tiers":[{"code":"a","name":"A","threshold":10.5}]}"#
            ) == "tiers[0].threshold")
        #expect(
            field(
                #"{"kind":"tiers","basis":"points","window":"calendar_year","downgrade":"recompute","tiers":[{"code":"Gold!","name":"G","threshold":1}]}"#
            ) == "tiers[0].code")
        #expect(
            field(
                #"{"kind":"tiers","basis":"points","window":"calendar_year","downgrade":"recompute","tiers":[{"code":"a","name":"A","threshold":1,"multiplier":0.5}]}"#
            ) == "tiers[0].multiplier")
        #expect(
            field(
                #"{"kind":"tiers","basis":"points","window":"calendar_year","downgrade":"recompute","tiers":[{"code":"a","name":"A","threshold":1,"colour":"gold"}]}"#
            ) == "tiers[0].colour")
        let written = try f.database.withConnection {
            try $0.query("SELECT count(*) AS n FROM tier_schemes WHERE programme_id = \(f.programme)").one().decode(
                "n", as: Int.self)
        }
        #expect(written == 0)
        // The same scheme twice is one version; another scheme the next.
        #expect(try configure(f, Self.scheme()).tiers?.version == 1)
        #expect(try configure(f, Self.scheme()).tiers?.version == 1)
        #expect(try configure(f, Self.scheme(downgrade: "one_down")).tiers?.version == 2)
    }
}
