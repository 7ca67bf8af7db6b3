import Foundation
import PuntosCore
import PuntosLedger
import PuntosOrganisations
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

extension LedgerFixture {
    /// Runs an `organisations` event of this programme.
    func organisations(_ body: String, now: Date = Date()) throws -> OrganisationsResult {
        try Organisations().handle(try EventDecoding.decode(OrganisationsEvent.self, from: json(body)), context: context(now))
    }

    func join(_ organisation: String, _ card: String, role: String, now: Date = Date()) throws -> MemberView {
        try #require(
            try organisations(
                #"{"kind":"join","organisation":"\#(organisation)","card_number":"\#(card)","role":"\#(role)"}"#, now: now
            ).member)
    }

    func statistics(_ organisation: String, from: String, to: String, period: String) throws -> StatisticsResult {
        try #require(
            try organisations(
                #"{"kind":"statistics","organisation":"\#(organisation)","from":"\#(from)","to":"\#(to)","period":"\#(period)"}"#
            ).statistics)
    }

    /// The balances of a card's customer's own account (not a pool's).
    func ownAccount(_ card: String) throws -> (available: Int64, held: Int64) {
        try database.withConnection { connection in
            let row = try connection.query(
                """
                SELECT coalesce(a.available, 0) AS available, coalesce(a.held, 0) AS held
                FROM cards c LEFT JOIN accounts a ON a.customer_id = c.customer_id WHERE c.number = \(card)
                """
            ).one()
            return (try row.decode("available"), try row.decode("held"))
        }
    }

    func organisationCount(_ table: String) throws -> Int64 {
        try database.withConnection { connection in
            switch table {
            case "organisations":
                try connection.query("SELECT count(*) AS n FROM organisations WHERE programme_id = \(programme)").one().decode(
                    "n")
            case "organisation_members":
                try connection.query(
                    """
                    SELECT count(*) AS n FROM organisation_members m JOIN organisations o ON o.id = m.organisation_id
                    WHERE o.programme_id = \(programme)
                    """
                ).one().decode("n")
            default:
                try connection.query(
                    """
                    SELECT count(*) AS n FROM organisation_member_events e JOIN organisation_members m ON m.id = e.member_id
                    JOIN organisations o ON o.id = m.organisation_id WHERE o.programme_id = \(programme)
                    """
                ).one().decode("n")
            }
        }
    }
}

/// A moment of 2026, for events dated in a known month.
func day(_ text: String) -> Date { Timestamp.parse(text + "T12:00:00Z")! }

@Suite struct OrganisationsTests {
    /// ONe B2B: a company client's buyers earn into the company's pool; a viewer earns into it too but
    /// may not spend it; the owner's points from before joining stay personal.
    @Test func aPooledCompanyAccountRefusesAViewerAndCountsEveryMember() throws {
        let f = try LedgerFixture()
        let owner = try f.card(agreementDaysAgo: 3650)
        let buyer = try f.card(agreementDaysAgo: 3650)
        let viewer = try f.card(agreementDaysAgo: 3650)
        // Earned before joining: stays on the owner's own account.
        _ = try f.accrue(invoice(owner, "PRE-1", amount: "100.00", date: day("2026-02-10")), now: day("2026-02-11"))
        let company = try #require(
            try f.organisations(
                #"{"kind":"organisation","organisation":"ACME","name":"Acme Ltd","type":"company","points":"pooled"}"#,
                now: day("2026-03-01")
            ).organisation)
        #expect(company.points == .pooled)
        #expect(company.moderated == false)
        let poolCard = try #require(company.poolCardNumber)
        for (card, role) in [(owner, "owner"), (buyer, "buyer"), (viewer, "viewer")] {
            #expect(try f.join("ACME", card, role: role, now: day("2026-03-01")).status == "approved")
        }

        let earned = try f.accrue(invoice(owner, "ACME-1", amount: "500.00", date: day("2026-03-05")), now: day("2026-03-05"))
        #expect(earned.points == 500)
        #expect(earned.balance.available == 500)
        #expect(earned.balance.organisation == "ACME")
        #expect(earned.balance.cardNumber == owner)
        _ = try f.accrue(invoice(viewer, "ACME-2", amount: "300.00", date: day("2026-03-06")), now: day("2026-03-06"))
        for card in [owner, buyer, viewer] {
            let balance = try f.balance(of: card)
            #expect(balance.available == 800)
            #expect(balance.organisation == "ACME")
        }
        #expect(try f.ownAccount(owner).available == 100)
        #expect(try f.ownAccount(viewer).available == 0)
        // The pool's entry names the member's card, and its notice goes to the member.
        let told: [String] = try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT e.card_number FROM ledger_entries e JOIN notices n ON n.dedupe_key = 'ledger:' || e.id::text
                JOIN cards c ON c.customer_id = n.customer_id AND c.number = e.card_number
                WHERE e.programme_id = \(f.programme) AND e.invoice_number IN ('ACME-1', 'ACME-2') ORDER BY e.id
                """
            ).map { try $0.decode("card_number") }
        }
        #expect(told == [owner, viewer])

        // The viewer may not spend the pool: refused, naming the card, nothing written.
        let entries = try f.count("ledger_entries")
        for kind in ["redeem", "hold"] {
            let refused = f.failure {
                try f.redeem(
                    #"{"kind":"\#(kind)","card_number":"\#(viewer)","order_number":"V-1","order_amount":50,"points":100}"#,
                    now: day("2026-03-07"))
            }
            #expect(refused?.code == .roleNotAllowed)
            #expect(refused?.exitCode == 69)
            #expect(refused?.field == "card_number")
        }
        #expect(try f.count("ledger_entries") == entries)
        #expect(try f.count("holds") == 0)

        // The buyer holds 200 of the pool and commits 150; then redeems 50 at once, twice under one key.
        let hold = try f.redeem(
            #"{"kind":"hold","card_number":"\#(buyer)","order_number":"B-1","order_amount":500,"points":200}"#,
            now: day("2026-03-10"))
        #expect(hold.balance.available == 600)
        #expect(hold.balance.held == 200)
        let commit = try f.redeem(
            #"{"kind":"commit","voucher_number":"\#(hold.voucherNumber)","points":150}"#, now: day("2026-03-10"))
        #expect(commit.points == 150)
        #expect(commit.balance.available == 650)
        #expect(commit.balance.held == 0)
        let redeem =
            #"{"kind":"redeem","idempotency_key":"acme-b-2","card_number":"\#(buyer)","order_number":"B-2","order_amount":100,"points":50}"#
        let first = try f.redeem(redeem, now: day("2026-03-12"))
        let again = try f.redeem(redeem, now: day("2026-03-12"))
        #expect(again == first)
        #expect(try f.balance(of: owner).available == 600)
        #expect(try f.ownAccount(buyer) == (0, 0))
        #expect(try f.ownAccount(owner).available == 100)

        // The pool's own card is blocked: it shows the pool, but cannot be spent at a till.
        #expect(try f.balance(of: poolCard).available == 600)
        let blocked = f.failure {
            try f.redeem(#"{"kind":"redeem","card_number":"\#(poolCard)","order_number":"P-1","order_amount":10,"points":1}"#)
        }
        #expect(blocked?.code == .cardBlocked)

        // Statistics: each member's part of the pool, in March.
        let stats = try f.statistics("ACME", from: "2026-03-01", to: "2026-03-31", period: "month")
        #expect(stats.points == .pooled)
        let rows = Dictionary(uniqueKeysWithValues: stats.rows.map { ($0.cardNumber ?? "", $0) })
        #expect(stats.rows.count == 3)
        #expect(stats.rows.allSatisfy { $0.period == "2026-03-01" })
        #expect(rows[owner].map { ($0.sales, $0.pointsEarned, $0.pointsSpent) } ?? (0, 0, 0) == (500, 500, 0))
        #expect(rows[viewer].map { ($0.sales, $0.pointsEarned, $0.pointsSpent) } ?? (0, 0, 0) == (300, 300, 0))
        #expect(rows[buyer].map { ($0.sales, $0.pointsEarned, $0.pointsSpent) } ?? (0, 0, 0) == (0, 0, 200))
        #expect(stats.totals == StatisticsFigures(sales: 800, pointsEarned: 800, pointsSpent: 200))
        try f.checkInvariants()
    }

    /// ReBase Smart: a partner's participants keep their own points; the partner sees their sales and
    /// points, per member and month, counted from each one's approval.
    @Test func aReportingGroupKeepsPointsPersonalAndSumsThemPerMemberAndMonth() throws {
        let f = try LedgerFixture()
        let partner = try #require(
            try f.organisations(
                #"{"kind":"organisation","organisation":"partner-7","name":"Partner Seven","type":"partner"}"#,
                now: day("2026-03-01")
            ).organisation)
        #expect(partner.points == .personal)
        #expect(partner.moderated == true)
        #expect(partner.poolCardNumber == nil)
        let ana = try f.card(agreementDaysAgo: 3650)
        let ben = try f.card(agreementDaysAgo: 3650)
        let cid = try f.card(agreementDaysAgo: 3650)
        // Before her approval: Ana's own, not the partner's.
        _ = try f.accrue(invoice(ana, "R-0", amount: "100.00", date: day("2026-02-10")), now: day("2026-02-11"))
        for card in [ana, ben, cid] {
            #expect(try f.join("partner-7", card, role: "viewer", now: day("2026-02-20")).status == "pending")
        }
        for card in [ana, ben] {
            let approved = try f.organisations(
                #"{"kind":"approve_member","organisation":"partner-7","card_number":"\#(card)"}"#, now: day("2026-03-01"))
            #expect(approved.member?.status == "approved")
        }
        _ = try f.organisations(
            #"{"kind":"reject_member","organisation":"partner-7","card_number":"\#(cid)","reason":"no contract"}"#,
            now: day("2026-03-01"))

        _ = try f.accrue(invoice(ana, "R-1", amount: "200.00", date: day("2026-03-05")), now: day("2026-03-06"))
        _ = try f.accrue(invoice(ana, "R-2", amount: "50.00", date: day("2026-04-02")), now: day("2026-04-03"))
        _ = try f.accrue(invoice(ben, "R-3", amount: "120.00", date: day("2026-03-20"), quantity: 2), now: day("2026-03-20"))
        let returned = try f.accrue(
            #"{"kind":"return","return_number":"RET-3","invoice_number":"R-3","lines":[{"line":0,"quantity":1}]}"#,
            now: day("2026-03-25"))
        #expect(returned.points == -60)
        _ = try f.accrue(invoice(cid, "R-4", amount: "999.00", date: day("2026-03-10")), now: day("2026-03-10"))
        _ = try f.redeem(
            #"{"kind":"redeem","card_number":"\#(ana)","order_number":"A-1","order_amount":100,"points":30}"#,
            now: day("2026-04-05"))

        // Points stay personal: no pool, no organisation on the balance.
        let balance = try f.balance(of: ana)
        #expect(balance.available == 320)
        #expect(balance.organisation == nil)
        #expect(try f.balance(of: ben).available == 60)

        let monthly = try f.statistics("partner-7", from: "2026-03-01", to: "2026-04-30", period: "month")
        #expect(monthly.points == .personal)
        let figures = monthly.rows.map {
            [$0.period, $0.cardNumber ?? "", "\($0.sales)", "\($0.pointsEarned)", "\($0.pointsSpent)"]
        }
        #expect(
            figures.sorted { $0.joined(separator: " ") < $1.joined(separator: " ") }
                == [
                    ["2026-03-01", ana, "200", "200", "0"], ["2026-03-01", ben, "60", "60", "0"],
                    ["2026-04-01", ana, "50", "50", "30"],
                ].sorted { $0.joined(separator: " ") < $1.joined(separator: " ") })
        #expect(monthly.totals == StatisticsFigures(sales: 310, pointsEarned: 310, pointsSpent: 30))

        // The same figures by year, and only April by day.
        let yearly = try f.statistics("partner-7", from: "2026-01-01", to: "2026-12-31", period: "year")
        #expect(yearly.rows.count == 2)
        #expect(yearly.rows.allSatisfy { $0.period == "2026-01-01" })
        #expect(yearly.totals == StatisticsFigures(sales: 310, pointsEarned: 310, pointsSpent: 30))
        let april = try f.statistics("partner-7", from: "2026-04-01", to: "2026-04-30", period: "day")
        #expect(april.rows.map(\.period) == ["2026-04-02", "2026-04-05"])
        #expect(april.totals == StatisticsFigures(sales: 50, pointsEarned: 50, pointsSpent: 30))
        let empty = try f.statistics("partner-7", from: "2025-01-01", to: "2025-12-31", period: "month")
        #expect(empty.rows.isEmpty)
        #expect(empty.totals == StatisticsFigures(sales: 0, pointsEarned: 0, pointsSpent: 0))
        try f.checkInvariants()
    }

    /// Joining a moderated partner: pending (earning on one's own account) until approved or rejected,
    /// decided once; the same join or decision again changes nothing.
    @Test func moderationApprovesOrRejectsAPendingJoinOnce() throws {
        let f = try LedgerFixture()
        // Decisions at a whole second, so that an answer read back from its idempotency key compares equal.
        let t = day("2026-03-02")
        _ = try f.organisations(
            #"{"kind":"organisation","organisation":"WINES","name":"Wine shops","type":"partner","points":"pooled"}"#)
        _ = try f.organisations(#"{"kind":"organisation","organisation":"OTHER","name":"Other","type":"company"}"#)
        let dora = try f.card()
        let eva = try f.card()

        let pending = try f.join("WINES", dora, role: "buyer", now: t)
        #expect(pending.status == "pending")
        #expect(pending.decidedAt == nil)
        // The same join again answers the same membership; another role or organisation is refused.
        #expect(try f.join("WINES", dora, role: "buyer", now: t) == pending)
        let otherRole = f.failure { try f.join("WINES", dora, role: "owner") }
        #expect(otherRole?.code == .alreadyMember)
        #expect(otherRole?.exitCode == 69)
        let otherOrganisation = f.failure { try f.join("OTHER", dora, role: "viewer") }
        #expect(otherOrganisation?.code == .alreadyMember)
        #expect(try f.organisationCount("organisation_members") == 1)
        #expect(try f.organisationCount("organisation_member_events") == 1)

        // Pending: the card earns on its own account, not the pool.
        _ = try f.accrue(invoice(dora, "W-1", amount: "40.00"))
        #expect(try f.balance(of: dora).organisation == nil)
        #expect(try f.ownAccount(dora).available == 40)

        let approve =
            #"{"kind":"approve_member","idempotency_key":"approve-dora","organisation":"WINES","card_number":"\#(dora)","reason":"contract signed"}"#
        let approved = try #require(try f.organisations(approve, now: t).member)
        #expect(approved.status == "approved")
        #expect(approved.reason == "contract signed")
        #expect(approved.decidedAt != nil)
        #expect(try f.organisations(approve, now: t).member == approved)
        #expect(try f.organisationCount("organisation_member_events") == 2)
        // Decided: another decision is refused, whichever it is.
        for kind in ["approve_member", "reject_member"] {
            let again = f.failure {
                try f.organisations(#"{"kind":"\#(kind)","organisation":"WINES","card_number":"\#(dora)"}"#)
            }
            #expect(again?.code == .notPendingModeration)
            #expect(again?.exitCode == 69)
        }
        #expect(try f.organisationCount("organisation_member_events") == 2)

        // Approved: the card earns into the pool now; what it earned before stays its own.
        let pooled = try f.accrue(invoice(dora, "W-2", amount: "60.00"))
        #expect(pooled.balance.organisation == "WINES")
        #expect(pooled.balance.available == 60)
        #expect(try f.ownAccount(dora).available == 40)

        // Eva is rejected; she may ask again, and that join is pending anew.
        #expect(try f.join("WINES", eva, role: "viewer", now: t).status == "pending")
        let rejected = try #require(
            try f.organisations(
                #"{"kind":"reject_member","organisation":"WINES","card_number":"\#(eva)","reason":"unknown shop"}"#
            )
            .member)
        #expect(rejected.status == "rejected")
        _ = try f.accrue(invoice(eva, "W-3", amount: "10.00"))
        #expect(try f.balance(of: eva).organisation == nil)
        #expect(try f.join("WINES", eva, role: "viewer", now: t).status == "pending")
        let unknown = f.failure {
            try f.organisations(#"{"kind":"approve_member","organisation":"OTHER","card_number":"\#(eva)"}"#)
        }
        #expect(unknown?.code == .memberNotFound)
        #expect(try f.organisationCount("organisation_members") == 3)
        #expect(try f.organisationCount("organisation_member_events") == 5)
        try f.checkInvariants()
    }

    /// Bad or forged input is refused before anything is written, naming the field (exit 65); a change
    /// of an organisation's points is refused (69).
    @Test func badAndForgedInputIsRefusedNamingTheField() throws {
        let f = try LedgerFixture()
        let card = try f.card()
        _ = try f.organisations(#"{"kind":"organisation","organisation":"ACME","name":"Acme","type":"company"}"#)
        let cases: [(String, String)] = [
            (#"{"kind":"organisation","organisation":"ACME 2","name":"Acme","type":"company"}"#, "organisation"),
            (#"{"kind":"organisation","organisation":"B","name":"  ","type":"company"}"#, "name"),
            (#"{"kind":"organisation","organisation":"B","name":"B","type":"shop"}"#, "type"),
            (#"{"kind":"organisation","organisation":"B","name":"B","type":"company","points":"shared"}"#, "points"),
            (#"{"kind":"organisation","organisation":"B","name":"B","type":"company","pool_customer_id":1}"#, "pool_customer_id"),
            (#"{"kind":"join","organisation":"ACME","card_number":"\#(card)","role":"admin"}"#, "role"),
            (#"{"kind":"join","organisation":"ACME","card_number":"7789000000000037","role":"buyer"}"#, "card_number"),
            (#"{"kind":"join","organisation":"ACME","card_number":"\#(card)","external_id":"x","role":"buyer"}"#, "card_number"),
            (#"{"kind":"join","organisation":"ACME","card_number":"\#(card)","role":"owner","status":"approved"}"#, "status"),
            (
                #"{"kind":"approve_member","organisation":"ACME","card_number":"\#(card)","reason":"\#(String(repeating: "x", count: 501))"}"#,
                "reason"
            ),
            (#"{"kind":"statistics","organisation":"ACME","from":"2026-02-30","to":"2026-03-31"}"#, "from"),
            (#"{"kind":"statistics","organisation":"ACME","from":"2026-03-01","to":"2026-02-01"}"#, "to"),
            (#"{"kind":"statistics","organisation":"ACME","from":"2020-01-01","to":"2026-01-01"}"#, "to"),
            (#"{"kind":"statistics","organisation":"ACME","from":"2026-03-01","to":"2026-03-31","period":"quarter"}"#, "period"),
            (#"{"kind":"statistics","organisation":"ACME","from":"1 March","to":"2026-03-31"}"#, "from"),
        ]
        for (body, field) in cases {
            let error = f.failure { try f.organisations(body) }
            #expect(error?.exitCode == 65, "\(body)")
            #expect(error?.field == field, "\(body)")
        }
        #expect(try f.organisationCount("organisations") == 1)
        #expect(try f.organisationCount("organisation_members") == 0)

        let fixed = f.failure {
            try f.organisations(
                #"{"kind":"organisation","organisation":"ACME","name":"Acme","type":"company","points":"pooled"}"#)
        }
        #expect(fixed?.code == .pointsModeFixed)
        #expect(fixed?.exitCode == 69)
        #expect(fixed?.field == "points")
        let missing = f.failure { try f.join("NOPE", card, role: "buyer") }
        #expect(missing?.code == .organisationNotFound)
        #expect(missing?.field == "organisation")
        // A rename is a change of the same organisation; the same terms again change nothing.
        let renamed = try f.organisations(#"{"kind":"organisation","organisation":"ACME","name":"Acme Group","type":"company"}"#)
        #expect(renamed.organisation?.name == "Acme Group")
        #expect(try f.organisationCount("organisations") == 1)
    }

    /// Ten buyers of one pool spend at once: the pool's account lock lets exactly as many through as
    /// the pool holds, and no two take the same points.
    @Test func buyersSpendingOnePoolAtOnceNeverOverspendIt() throws {
        let f = try LedgerFixture()
        _ = try f.organisations(
            #"{"kind":"organisation","organisation":"RACE","name":"Race","type":"company","points":"pooled"}"#)
        let buyers = try (0..<10).map { _ in try f.card() }
        for buyer in buyers { _ = try f.join("RACE", buyer, role: "buyer") }
        _ = try f.accrue(invoice(buyers[0], "RACE-1", amount: "500.00"))
        let spent = LockedResults()
        let refused = LockedResults()
        let threads = buyers.enumerated().map { index, card in
            Thread {
                do {
                    let database = try TestDatabase.make()
                    defer { database.close() }
                    let event = try EventDecoding.decode(
                        RedeemEvent.self,
                        from: f.json(
                            #"{"kind":"redeem","card_number":"\#(card)","order_number":"R-\#(index)","order_amount":100,"points":100}"#
                        ))
                    _ = try Redeem().handle(
                        event, context: FunctionContext.make(database: database, logger: TestDatabase.logger, now: Date()))
                    spent.add(1)
                } catch let error as FunctionError where error.code == .insufficientPoints {
                    refused.add(1)
                } catch {
                    refused.add(-1)
                }
            }
        }
        threads.forEach { $0.start() }
        while spent.count + refused.count < 10 { usleep(10_000) }
        #expect(spent.count == 5)
        #expect(refused.values == Array(repeating: 1, count: 5), "every loser is told the pool is spent")
        #expect(try f.balance(of: buyers[9]).available == 0)
        let (yesterday, tomorrow) = (Date().addingTimeInterval(-86_400), Date().addingTimeInterval(86_400))
        let stats = try f.statistics(
            "RACE", from: String(Timestamp.format(yesterday).prefix(10)), to: String(Timestamp.format(tomorrow).prefix(10)),
            period: "year")
        #expect(stats.totals.pointsSpent == 500)
        #expect(stats.totals.pointsEarned == 500)
        try f.checkInvariants()
    }
}
