import Foundation
import PuntosCore
import PuntosImport
import PuntosLedger
import PuntosOrganisations
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// `puntos import invoices` with the rules that depend on the history before an invoice: tiers,
/// promotion budgets and caps, organisation pools. Each imports a history and runs the same history
/// through `accrue` one event at a time (at each invoice's date) in a second programme, and compares.
extension ImportTests {
    /// The rows `sql` answers for a fixture's programme (`current_setting('puntos.test_programme')`).
    static func rows(_ fixture: LedgerFixture, _ sql: SQL) throws -> [String] {
        try fixture.database.withTransaction { connection in
            try connection.query("SELECT set_config('puntos.test_programme', \(fixture.programme), true)")
            return try connection.query(sql).map { try $0.decode("row") }
        }
    }

    /// Each invoice's accrual: number, points available and pending, and the rule's tier and limits.
    static let accruals: SQL = """
        SELECT e.invoice_number || ' ' || e.available_delta || '/' || e.pending_delta || ' '
               || coalesce(e.rule->'earning'->'tier'->>'code', '-') || ' ' || coalesce((e.rule->'limits')::text, '-') AS row
        FROM ledger_entries e WHERE e.programme_id = current_setting('puntos.test_programme') AND e.kind = 'accrual'
        ORDER BY e.invoice_number
        """

    /// The programme's tier changes, oldest first, dated by day.
    static let tierChanges: SQL = """
        SELECT coalesce(from_tier, '-') || '>' || coalesce(to_tier, '-') || ' ' || reason || ' ' || qualifying::numeric(14, 2)
               || ' ' || invoice_number || ' ' || to_char(at, 'YYYY-MM-DD') AS row
        FROM tier_changes WHERE programme_id = current_setting('puntos.test_programme') ORDER BY at, id
        """

    /// The programme's grants on limited promotions, and what each budget has given.
    static let grants: SQL = """
        SELECT g.invoice_number || ' ' || g.asked || '>' || g.granted || ' ' || to_char(g.at, 'YYYY-MM-DD') AS row
        FROM promotion_grants g JOIN promotions p ON p.id = g.promotion_id
        WHERE p.programme_id = current_setting('puntos.test_programme')
        UNION ALL
        SELECT p.code || ' given ' || l.given_points FROM promotion_limits l JOIN promotions p ON p.id = l.promotion_id
        WHERE p.programme_id = current_setting('puntos.test_programme')
        ORDER BY 1
        """

    func configure(_ f: LedgerFixture, _ body: String) throws {
        _ = try Configure().handle(try EventDecoding.decode(ConfigureEvent.self, from: f.json(body)), context: f.context())
    }

    /// The history's records, in date order, chunks of three reversed: a batch of three is out of order
    /// within itself, and each batch follows the one before in time.
    static func shuffled(_ records: [String]) -> [String] {
        stride(from: 0, to: records.count, by: 3).flatMap { records[$0..<min($0 + 3, records.count)].reversed() }
    }

    /// Silver from 1000 points, Gold from 2000 (×1.5), Platinum from 5000 (×2) over the calendar year:
    /// each invoice earns at the tier its member held on its date, the crossing one at the tier below,
    /// and the changes are recorded dated by the invoice that crossed, their notices withheld as old.
    @Test func historyEarnsAtTheTierHeldOnEachDateAsAccrueDoesOneByOne() throws {
        let imported = try ImportFixture()
        let accrued = try LedgerFixture()
        for fixture in [imported.ledger, accrued] { try configure(fixture, TierTests.scheme()) }
        let importCards = try (0..<2).map { _ in try imported.ledger.card(agreementDaysAgo: 3650) }
        let accrueCards = try (0..<2).map { _ in try accrued.card(agreementDaysAgo: 3650) }
        let history: [(member: Int, number: String, date: String, amount: String)] = [
            (0, "T-01", "2026-01-10", "1500.00"), (1, "T-02", "2026-01-15", "999.00"), (0, "T-03", "2026-02-10", "700.00"),
            (0, "T-04", "2026-03-10", "100.33"), (0, "T-05", "2026-04-10", "2000.00"), (1, "T-06", "2026-06-01", "1.00"),
            (1, "T-07", "2026-06-02", "50.00"), (0, "T-08", "2026-07-10", "10.00"),
        ]
        let record = { (cards: [String], h: (member: Int, number: String, date: String, amount: String)) in
            invoice(cards[h.member], h.number, amount: h.amount, date: day(h.date))
        }
        let path = try imported.file("tiers.jsonl", Self.shuffled(history.map { record(importCards, $0) }))
        let summary = try imported.run("invoices", path, batch: 3)
        #expect((summary.accepted, summary.skipped, summary.rejected) == (8, 0, 0))
        for h in history { _ = try accrued.accrue(record(accrueCards, h), now: day(h.date).addingTimeInterval(60)) }

        let importedAccruals = try Self.rows(imported.ledger, Self.accruals)
        #expect(importedAccruals == (try Self.rows(accrued, Self.accruals)))
        // 1500 → Silver; 700 at Silver crosses Gold; 100.33 × 1.5; 2000 × 1.5 crosses Platinum; 10 × 2.
        #expect(
            importedAccruals == [
                "T-01 1500/0 - -", "T-02 999/0 - -", "T-03 700/0 silver -", "T-04 150/0 gold -", "T-05 3000/0 gold -",
                "T-06 1/0 - -", "T-07 50/0 silver -", "T-08 20/0 platinum -",
            ])
        let changes = try Self.rows(imported.ledger, Self.tierChanges)
        #expect(changes == (try Self.rows(accrued, Self.tierChanges)))
        #expect(
            changes == [
                "->silver qualified 1500.00 T-01 2026-01-10", "silver>gold qualified 2200.00 T-03 2026-02-10",
                "gold>platinum qualified 5350.00 T-05 2026-04-10", "->silver qualified 1000.00 T-06 2026-06-01",
            ])
        for (a, b) in zip(importCards, accrueCards) {
            #expect(try imported.ledger.balance(of: a).available == accrued.balance(of: b).available)
            let status = try imported.ledger.balance(#"{"kind":"balance","card_number":"\#(a)"}"#).tier
            let expected = try accrued.balance(#"{"kind":"balance","card_number":"\#(b)"}"#).tier
            #expect(status?.tier == expected?.tier && status?.tier != nil)
        }
        // Each change has its notice, withheld: the history is older than the programme announces.
        let notices: [String] = try imported.query(
            """
            SELECT status || ' ' || coalesce(last_error, '-') AS n FROM notices
            WHERE programme_id = \(imported.programme) AND kind = 'tier_changed'
            """, "n")
        #expect(notices == Array(repeating: "suppressed invoice_too_old", count: 4))
        try imported.ledger.checkInvariants(notices: false)

        // Run again: nothing is applied twice, no tier changes twice.
        let again = try imported.run("invoices", path, batch: 3)
        #expect((again.accepted, again.skipped) == (0, 8))
        #expect(try Self.rows(imported.ledger, Self.tierChanges).count == 4)

        // Older history arriving later earns at the tier held on its date (none), and its upgrade, dated
        // before the member's recorded one, is not recorded: the member stays Silver since June.
        let older = try imported.file(
            "older.jsonl", [invoice(importCards[1], "T-00", amount: "1200.00", date: day("2026-01-05"))])
        #expect(try imported.run("invoices", older).accepted == 1)
        #expect(try Self.rows(imported.ledger, Self.accruals).first == "T-00 1200/0 - -")
        #expect(try Self.rows(imported.ledger, Self.tierChanges) == changes)
        #expect(
            try imported.ledger.balance(#"{"kind":"balance","card_number":"\#(importCards[1])"}"#).tier?.tier == "silver")
    }

    /// On spend (the money paid, less what was paid with points), a pooled member's history qualifies
    /// the pool: Silver from 500.00, Gold from 1000.50 (×2), as `accrue` has it one by one.
    @Test func spendHistoryOfAPoolQualifiesThePoolAsAccrueDoes() throws {
        let imported = try ImportFixture()
        let accrued = try LedgerFixture()
        var members: [[String]] = []
        for fixture in [imported.ledger, accrued] {
            try configure(
                fixture,
                #"{"kind":"tiers","basis":"spend","window":"calendar_year","downgrade":"recompute","tiers":[{"code":"silver","name":"Silver","threshold":500},{"code":"gold","name":"Gold","threshold":1000.50,"multiplier":2}]}"#
            )
            _ = try fixture.organisations(
                #"{"kind":"organisation","organisation":"SHOP","name":"Shop","type":"company","points":"pooled"}"#,
                now: day("2026-01-01"))
            let cards = try (0..<2).map { _ in try fixture.card(agreementDaysAgo: 3650) }
            for card in cards { _ = try fixture.join("SHOP", card, role: "buyer", now: day("2026-01-01")) }
            members.append(cards)
        }
        let record = { (card: String, number: String, date: String, line: String) in
            #"{"kind":"invoice","card_number":"\#(card)","number":"\#(number)","date":"\#(Timestamp.format(day(date)))","currency":"USD","lines":[\#(line)]}"#
        }
        let history: [(member: Int, number: String, date: String, line: String)] = [
            (0, "S-1", "2026-02-01", #"{"sku":"A","quantity":2,"amount":600,"paid_with_points":100}"#),
            (1, "S-2", "2026-03-01", #"{"sku":"B","quantity":2,"amount":600.50}"#),
            (0, "S-3", "2026-04-01", #"{"sku":"C","quantity":1,"amount":10}"#),
        ]
        let summary = try imported.run(
            "invoices",
            try imported.file(
                "spend.jsonl", history.reversed().map { record(members[0][$0.member], $0.number, $0.date, $0.line) }))
        #expect(summary.accepted == 3)
        for h in history {
            _ = try accrued.accrue(
                record(members[1][h.member], h.number, h.date, h.line), now: day(h.date).addingTimeInterval(60))
        }
        let accruals = try Self.rows(imported.ledger, Self.accruals)
        #expect(accruals == (try Self.rows(accrued, Self.accruals)))
        #expect(accruals == ["S-1 500/0 - -", "S-2 600/0 silver -", "S-3 20/0 gold -"])
        let changes = try Self.rows(imported.ledger, Self.tierChanges)
        #expect(changes == (try Self.rows(accrued, Self.tierChanges)))
        #expect(
            changes == ["->silver qualified 500.00 S-1 2026-02-01", "silver>gold qualified 1100.50 S-2 2026-03-01"])
        try imported.ledger.checkInvariants(notices: false)
    }

    /// DOUBLE gives TOOL's 10 points 10 more, with a budget of 55 and a cap of 15 a month per customer:
    /// the import draws on both in invoice order, exactly as `accrue` one by one.
    @Test func historyDrawsOnPromotionBudgetsAndCapsAsAccrueDoesOneByOne() throws {
        let imported = try ImportFixture()
        let accrued = try LedgerFixture()
        for fixture in [imported.ledger, accrued] {
            try fixture.promotion("DOUBLE", target: "sku", value: "TOOL", multiplier: 2)
            try fixture.database.withConnection {
                try $0.query(
                    """
                    INSERT INTO promotion_limits (promotion_id, budget_points, cap_points, cap_period)
                    SELECT id, 55, 15, 'month' FROM promotions WHERE programme_id = \(fixture.programme) AND code = 'DOUBLE'
                    """)
            }
        }
        let importCards = try (0..<3).map { _ in try imported.ledger.card(agreementDaysAgo: 3650) }
        let accrueCards = try (0..<3).map { _ in try accrued.card(agreementDaysAgo: 3650) }
        let history: [(member: Int, number: String, date: String)] = [
            (0, "L-1", "2026-01-05"), (1, "L-2", "2026-01-10"), (0, "L-3", "2026-01-20"), (1, "L-4", "2026-01-25"),
            (0, "L-5", "2026-02-03"), (1, "L-6", "2026-02-10"), (2, "L-7", "2026-02-15"), (2, "L-8", "2026-03-01"),
            (2, "L-9", "2026-03-05"),
        ]
        let record = { (cards: [String], h: (member: Int, number: String, date: String)) in
            ImportFixture.invoice(
                card: cards[h.member], number: h.number, date: day(h.date),
                lines: [("TOOL", "Acme", 1, "10.00"), ("NAIL", "Acme", 1, "5.00")])
        }
        let summary = try imported.run(
            "invoices", try imported.file("limits.jsonl", Self.shuffled(history.map { record(importCards, $0) })), batch: 3)
        #expect((summary.accepted, summary.rejected) == (9, 0))
        for h in history { _ = try accrued.accrue(record(accrueCards, h), now: day(h.date).addingTimeInterval(60)) }

        let importedAccruals = try Self.rows(imported.ledger, Self.accruals)
        #expect(importedAccruals == (try Self.rows(accrued, Self.accruals)))
        let points = importedAccruals.map { $0.split(separator: " ")[1] }
        #expect(points == ["25/0", "25/0", "20/0", "20/0", "25/0", "25/0", "20/0", "15/0", "15/0"])
        #expect(importedAccruals[2].contains("cap_reached") && importedAccruals[6].contains("budget_exhausted"))
        let grants = try Self.rows(imported.ledger, Self.grants)
        #expect(grants == (try Self.rows(accrued, Self.grants)))
        #expect(grants.first == "DOUBLE given 55")
        try imported.ledger.checkInvariants(notices: false)
    }

    /// Members of a pooled company earn into the pool, as `accrue` has them: the pool's lots and
    /// entries, each naming the member's card; the members' own accounts untouched.
    @Test func aPooledMembersHistoryEarnsIntoThePoolAsAccrueDoes() throws {
        let imported = try ImportFixture()
        let accrued = try LedgerFixture()
        var pools: [String] = []
        var members: [[String]] = []
        for fixture in [imported.ledger, accrued] {
            let company = try #require(
                try fixture.organisations(
                    #"{"kind":"organisation","organisation":"ACME","name":"Acme Ltd","type":"company","points":"pooled"}"#,
                    now: day("2026-03-01")
                ).organisation)
            pools.append(try #require(company.poolCardNumber))
            let cards = try (0..<3).map { _ in try fixture.card(agreementDaysAgo: 3650) }
            for (card, role) in zip(cards.prefix(2), ["owner", "viewer"]) {
                #expect(try fixture.join("ACME", card, role: role, now: day("2026-03-01")).status == "approved")
            }
            members.append(cards)
        }
        let history: [(member: Int, number: String, date: String, amount: String)] = [
            (0, "P-1", "2026-03-05", "500.00"), (1, "P-2", "2026-03-06", "300.00"), (2, "P-3", "2026-03-07", "40.00"),
        ]
        let record = { (cards: [String], h: (member: Int, number: String, date: String, amount: String)) in
            invoice(cards[h.member], h.number, amount: h.amount, date: day(h.date))
        }
        let summary = try imported.run("invoices", try imported.file("pool.jsonl", history.map { record(members[0], $0) }))
        #expect(summary.accepted == 3)
        for h in history { _ = try accrued.accrue(record(members[1], h), now: day(h.date).addingTimeInterval(60)) }

        let entries: SQL = """
            SELECT e.invoice_number || ' ' || e.available_delta || ' '
                   || CASE WHEN e.customer_id = (SELECT customer_id FROM cards WHERE number = current_setting('puntos.test_pool'))
                           THEN 'pool' ELSE 'own' END
                   || ' card ' || (SELECT count(*) FROM cards c WHERE c.number = e.card_number
                                   AND c.customer_id = (SELECT customer_id FROM cards WHERE number = current_setting('puntos.test_pool'))) AS row
            FROM ledger_entries e WHERE e.programme_id = current_setting('puntos.test_programme') ORDER BY e.invoice_number
            """
        func rows(_ fixture: LedgerFixture, pool: String) throws -> [String] {
            try fixture.database.withTransaction { connection in
                try connection.query(
                    "SELECT set_config('puntos.test_programme', \(fixture.programme), true), set_config('puntos.test_pool', \(pool), true)"
                )
                return try connection.query(entries).map { try $0.decode("row") }
            }
        }
        let importedRows = try rows(imported.ledger, pool: pools[0])
        #expect(importedRows == (try rows(accrued, pool: pools[1])))
        // The pooled members' points are the pool's, on the member's card (not the pool's); the third
        // member's stay its own.
        #expect(importedRows == ["P-1 500 pool card 0", "P-2 300 pool card 0", "P-3 40 own card 0"])
        let cards: [String] = try imported.query(
            "SELECT card_number FROM ledger_entries WHERE programme_id = \(imported.programme) ORDER BY invoice_number",
            "card_number")
        #expect(cards == members[0])
        #expect(try imported.ledger.balance(of: pools[0]).available == 800)
        #expect(try imported.ledger.balance(of: members[0][0]).available == 800)
        #expect(try imported.ledger.ownAccount(members[0][0]).available == 0)
        #expect(try imported.ledger.balance(of: members[0][2]).available == 40)
        try imported.ledger.checkInvariants(notices: false)
    }

    /// An import and accruals racing for one budget: the import's batch and every accrual wait on the
    /// limit's lock, which the test holds until all have started; the budget is then given to the
    /// point, never beyond, whoever wins.
    @Test func anImportAndAccrualsRacingForABudgetNeverExceedIt() throws {
        let f = try ImportFixture()
        try f.ledger.promotion("DOUBLE", target: "sku", value: "TOOL", multiplier: 2)
        try f.ledger.database.withConnection {
            try $0.query(
                """
                INSERT INTO promotion_limits (promotion_id, budget_points)
                SELECT id, 95 FROM promotions WHERE programme_id = \(f.programme) AND code = 'DOUBLE'
                """)
        }
        let importCards = try (0..<10).map { _ in try f.ledger.card(agreementDaysAgo: 3650) }
        let accrueCards = try (0..<10).map { _ in try f.ledger.card(agreementDaysAgo: 3650) }
        let lines = [("TOOL", "Acme", 1, "10.00"), ("NAIL", "Acme", 1, "5.00")]
        let path = try f.file(
            "race.jsonl",
            importCards.enumerated().map {
                ImportFixture.invoice(card: $1, number: "RI-\($0)", date: .daysAgo(1), lines: lines)
            })
        let done = LockedResults()
        try f.ledger.database.withTransaction { connection in
            try connection.query(
                """
                SELECT l.promotion_id FROM promotion_limits l JOIN promotions p ON p.id = l.promotion_id
                WHERE p.programme_id = \(f.programme) FOR UPDATE OF l
                """)
            let importer = Thread {
                do {
                    let database = try TestDatabase.make()
                    defer { database.close() }
                    let summary = try ImportCommand.run(
                        kind: "invoices", file: path, programme: f.programme, batch: 5000, database: database, now: Date())
                    done.add(Int64(summary.accepted))
                } catch {
                    done.add(-1)
                }
            }
            let accruals = accrueCards.enumerated().map { index, card in
                Thread {
                    do {
                        let database = try TestDatabase.make()
                        defer { database.close() }
                        let body = ImportFixture.invoice(card: card, number: "RA-\(index)", date: .daysAgo(1), lines: lines)
                        let event = try EventDecoding.decode(AccrueEvent.self, from: f.ledger.json(body))
                        done.add(
                            try Accrue().handle(
                                event, context: FunctionContext.make(database: database, logger: TestDatabase.logger)
                            ).points)
                    } catch {
                        done.add(-1)
                    }
                }
            }
            importer.start()
            accruals.forEach { $0.start() }
            usleep(500_000)
        }
        while done.count < 11 { usleep(10_000) }
        #expect(!done.values.contains(-1))
        // Twenty invoices of 15 points each, and the 95 extra points of the budget among them.
        let total: [Int64] = try f.query(
            "SELECT sum(available_delta)::bigint AS s FROM ledger_entries WHERE programme_id = \(f.programme) AND kind = 'accrual'",
            "s")
        #expect(total == [20 * 15 + 95])
        let grants = try Self.rows(f.ledger, Self.grants)
        #expect(grants.first == "DOUBLE given 95")
        let granted: [Int64] = try f.query(
            """
            SELECT sum(g.granted)::bigint AS s FROM promotion_grants g JOIN promotions p ON p.id = g.promotion_id
            WHERE p.programme_id = \(f.programme)
            """, "s")
        #expect(granted == [95])
        try f.ledger.checkInvariants(notices: false)
    }
}
