import Foundation
import PuntosCore
import PuntosImport
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// `puntos import`: each kind with exact counts, the same rules as the functions, original dates, reruns
/// that skip, and bad records that reject exactly themselves.
@Suite struct ImportTests {
    @Test func customersAreCreatedCompletedOrSkippedByTheirNaturalKeys() throws {
        let f = try ImportFixture()
        let x = TestDatabase.unique("X")
        let path = try f.file(
            "customers.jsonl",
            [
                #"{"customer":{"external_id":"\#(x)-1","email":"Ana.\#(x)@Example.com","name":"Ana"}}"#,
                #"{"customer":{"external_id":"\#(x)-2","phone":"+507 6123-\#(Int.random(in: 1000...9999))"}}"#,
                #"{"customer":{"external_id":"\#(x)-3","email":"not an address"}}"#,
                "",
                #"{"customer":{"external_id":"\#(x)-1","locale":"es"}}"#,
            ])
        let first = try f.run("customers", path)
        #expect((first.accepted, first.skipped, first.rejected) == (3, 0, 1))
        let rejects = try f.rejects(path)
        #expect(rejects.map(\.line) == [3])
        #expect(rejects.first?.field == "customer.email")
        #expect(rejects.first?.code == "invalid_email")
        let stored: [String] = try f.query(
            "SELECT external_id || ':' || coalesce(email, '') || ':' || coalesce(locale, '') AS c FROM customers WHERE programme_id = \(f.programme) ORDER BY external_id",
            "c")
        #expect(stored == ["\(x)-1:ana.\(x.lowercased())@example.com:es", "\(x)-2::"])

        let again = try f.run("customers", path)
        #expect((again.accepted, again.skipped, again.rejected) == (0, 3, 1))

        // An identifier that contradicts the customer the others find is refused, naming it.
        let clash = try f.file(
            "clash.jsonl", [#"{"customer":{"external_id":"\#(x)-1","email":"other.\#(x)@example.com"}}"#])
        let refused = try f.run("customers", clash)
        #expect(refused.rejected == 1)
        #expect(try f.rejects(clash).first?.field == "customer.email")
        #expect(try f.rejects(clash).first?.code == "customer_mismatch")
    }

    @Test func cardsFromCSVLinkCustomersWithTheirIssueAndAgreementDates() throws {
        let f = try ImportFixture()
        let x = TestDatabase.unique("C")
        let cards = (0..<3).map { _ in CardNumber.generate(prefix: "6", length: 16).digits }
        let path = try f.file(
            "cards.csv",
            [
                "card_number,customer.external_id,customer.email,issued_at,version,accepted_at",
                "\(cards[0]),\(x)-1,,2025-03-01T10:00:00Z,v1,2025-03-02T10:00:00Z",
                "\(cards[1]),\(x)-2,\"b.\(x)@example.com\",2025-04-01T10:00:00Z,,",
                "\(cards[2]),\(x)-1,,2025-05-01T10:00:00Z,,",
                "12345,\(x)-4,,,,",
            ])
        let summary = try f.run("cards", path)
        #expect((summary.accepted, summary.skipped, summary.rejected) == (2, 0, 2))
        let rejects = try f.rejects(path)
        #expect(rejects.map(\.line) == [4, 5])
        #expect(rejects.map(\.code) == ["customer_has_card", "invalid_card_number"])
        #expect(rejects.map(\.field) == ["customer", "card_number"])

        let issued: [String] = try f.query(
            "SELECT to_char(issued_at, 'YYYY-MM-DD') AS d FROM cards WHERE number = ANY(\([cards[0], cards[1]])) ORDER BY issued_at",
            "d")
        #expect(issued == ["2025-03-01", "2025-04-01"])
        let agreement: [String] = try f.query(
            """
            SELECT a.version || '@' || to_char(a.accepted_at, 'YYYY-MM-DD') || ':' || a.source AS a
            FROM agreements a JOIN cards c ON c.customer_id = a.customer_id WHERE c.number = \(cards[0])
            """, "a")
        #expect(agreement == ["v1@2025-03-02:import"])
        let events: [String] = try f.query(
            "SELECT kind || ':' || source || ':' || request_id AS e FROM card_events WHERE card_number = \(cards[1])", "e")
        #expect(events == ["linked:import:import:cards.csv:3"])

        let again = try f.run("cards", path)
        #expect((again.accepted, again.skipped, again.rejected) == (0, 2, 2))
    }

    @Test func invoicesImportedEarnWhatAccrueGivesThemUnderTheSameRules() throws {
        var settings = LedgerFixture.Settings()
        settings.pendingDays = 14
        settings.expiry = "rolling"
        settings.expiryDays = 365
        settings.rounding = "half_up"
        settings.pointsPerUnit = Decimal(string: "1.5")!
        let imported = try ImportFixture(settings)
        let accrued = try LedgerFixture(settings)
        // A promotion in force for part of the invoices' dates only, and one for a segment.
        for fixture in [imported.ledger, accrued] {
            try fixture.database.withConnection {
                try $0.query(
                    """
                    INSERT INTO promotions (programme_id, code, target, value, multiplier, bonus_per_unit, starts_at, ends_at)
                    VALUES (\(fixture.programme), 'ACME2X', 'brand', 'Acme', 2, 0, now() - interval '8 days', now() - interval '4 days'),
                           (\(fixture.programme), 'GOLD', 'segment', 'gold', 1, 0.5, now() - interval '30 days', now() + interval '1 day')
                    """)
            }
        }
        let segments: [String?] = [nil, "gold", nil, "gold"]
        let importCards = try segments.map { try imported.ledger.card(agreementDaysAgo: 6, segment: $0) }
        let accrueCards = try segments.map { try accrued.card(agreementDaysAgo: 6, segment: $0) }
        var records: [String] = []
        for n in 0..<24 {
            let date = Date.daysAgo(Double(n % 12) * 0.8 + 0.1)
            let lines = [
                ("SKU-\(n % 5)", n % 3 == 0 ? "Acme" : "Other", 1 + n % 3, "\(10 + n).\(n % 10)5"), ("SKU-X", "Acme", 1, "3.33"),
            ]
            records.append(
                ImportFixture.invoice(
                    card: importCards[n % 4], number: "INV-\(n)", date: date, lines: lines, order: n % 2 == 0 ? "O-\(n)" : nil))
            _ = try accrued.accrue(
                ImportFixture.invoice(
                    card: accrueCards[n % 4], number: "INV-\(n)", date: date, lines: lines, order: n % 2 == 0 ? "O-\(n)" : nil))
        }
        let summary = try imported.run("invoices", try imported.file("invoices.jsonl", records), batch: 7)
        #expect((summary.accepted, summary.skipped, summary.rejected) == (24, 0, 0))

        for (a, b) in zip(importCards, accrueCards) {
            let (x, y) = (try imported.ledger.balance(of: a), try accrued.balance(of: b))
            #expect((x.available, x.pending, x.held) == (y.available, y.pending, y.held))
        }
        let invoices: SQL = """
            SELECT i.number || ' ' || i.status || ' ' || i.points || ' ' || i.channel || ' ' || i.lines::text || ' '
                   || coalesce(l.points::text, '-') || '/' || coalesce(l.remaining::text, '-') || ' ' || coalesce(l.active::text, '-')
                   || ' ' || coalesce(e.rule::text, '-') AS row
            FROM invoices i LEFT JOIN lots l ON l.invoice_id = i.id
            LEFT JOIN ledger_entries e ON e.lot_id = l.id AND e.kind = 'accrual'
            WHERE i.programme_id = current_setting('puntos.test_programme') ORDER BY i.number
            """
        func rows(_ fixture: LedgerFixture) throws -> [String] {
            try fixture.database.withTransaction { connection in
                try connection.query("SELECT set_config('puntos.test_programme', \(fixture.programme), true)")
                return try connection.query(invoices).map { try $0.decode("row") }
            }
        }
        let (importedRows, accruedRows) = (try rows(imported.ledger), try rows(accrued))
        #expect(importedRows.count == 24)
        #expect(importedRows == accruedRows)
        #expect(importedRows.contains { $0.contains("ACME2X") } && importedRows.contains { !$0.contains("ACME2X") })
        try imported.ledger.checkInvariants(notices: false)

        // Every entry says where it came from: the import, the file and the line.
        let origins: [String] = try imported.query(
            "SELECT source || ' ' || request_id AS o FROM ledger_entries WHERE programme_id = \(imported.programme) AND invoice_number = 'INV-5'",
            "o")
        #expect(origins == ["import import:invoices.jsonl:6"])

        // Run again: everything is skipped and nothing changes.
        let entries = try imported.ledger.count("ledger_entries")
        let again = try imported.run("invoices", try imported.file("invoices.jsonl", records))
        #expect((again.accepted, again.skipped, again.rejected) == (0, 24, 0))
        #expect(try imported.ledger.count("ledger_entries") == entries)
    }

    @Test func aFileWithBadLinesRejectsExactlyThoseAndAppliesTheRest() throws {
        let f = try ImportFixture()
        let card = try f.ledger.card()
        let unknown = CardNumber.generate(prefix: "5", length: 16).digits
        let good = { (n: String) in
            ImportFixture.invoice(card: card, number: n, date: .daysAgo(1), lines: [("A", "B", 1, "10.00")])
        }
        let path = try f.file(
            "mixed.jsonl",
            [
                good("OK-1"),
                #"{"number": "BROKEN""#,
                ImportFixture.invoice(card: card, number: "BAD-2", date: .daysAgo(1), lines: [("A", "B", 1, "-5.00")]),
                ImportFixture.invoice(card: unknown, number: "BAD-3", date: .daysAgo(1), lines: [("A", "B", 1, "5.00")]),
                good("OK-1").replacingOccurrences(of: "\"USD\"", with: "\"EUR\"").replacingOccurrences(of: "OK-1", with: "BAD-4"),
                ImportFixture.invoice(card: card, number: "BAD-5", date: .daysAgo(-3), lines: [("A", "B", 1, "5.00")]),
                good("OK-2"),
            ])
        let summary = try f.run("invoices", path)
        #expect((summary.accepted, summary.skipped, summary.rejected) == (2, 0, 5))
        let rejects = try f.rejects(path)
        #expect(rejects.map(\.line) == [2, 3, 4, 5, 6])
        #expect(rejects.map(\.field) == ["$", "lines[0].amount", "card_number", "currency", "date"])
        #expect(rejects.map(\.code) == ["invalid_json", "invalid_value", "card_not_found", "unknown_currency", "invalid_value"])
        #expect(rejects.allSatisfy { !$0.reason.isEmpty })
        let numbers: [String] = try f.query(
            "SELECT number FROM invoices WHERE programme_id = \(f.programme) ORDER BY number", "number")
        #expect(numbers == ["OK-1", "OK-2"])
        #expect(try f.ledger.balance(of: card).available == 20)
        try f.ledger.checkInvariants(notices: false)
    }

    @Test func anOldInvoiceArrivesExpiredAndAClosedPendingWindowArrivesActive() throws {
        var settings = LedgerFixture.Settings()
        settings.pendingDays = 14
        settings.expiry = "rolling"
        settings.expiryDays = 60
        let f = try ImportFixture(settings)
        let card = try f.ledger.card(agreementDaysAgo: 400)
        let path = try f.file(
            "history.jsonl",
            [
                ImportFixture.invoice(card: card, number: "OLD", date: .daysAgo(100), lines: [("A", "B", 1, "40.00")]),
                ImportFixture.invoice(card: card, number: "CLOSED", date: .daysAgo(20), lines: [("A", "B", 1, "25.00")]),
                ImportFixture.invoice(card: card, number: "OPEN", date: .daysAgo(3), lines: [("A", "B", 1, "7.00")]),
            ])
        let summary = try f.run("invoices", path)
        #expect(summary.accepted == 3)
        let balance = try f.ledger.balance(of: card)
        #expect((balance.available, balance.pending) == (25, 7))
        let lots: [String] = try f.query(
            """
            SELECT i.number || ' ' || l.points || '/' || l.remaining || ' ' || l.active AS lot
            FROM lots l JOIN invoices i ON i.id = l.invoice_id WHERE i.programme_id = \(f.programme) ORDER BY i.invoiced_at
            """, "lot")
        #expect(lots == ["OLD 40/0 true", "CLOSED 25/25 true", "OPEN 7/7 false"])
        let entries: [String] = try f.query(
            """
            SELECT kind || ' ' || available_delta || ' ' || pending_delta || ' ' || to_char(at, 'YYYY-MM-DD') AS e
            FROM ledger_entries WHERE programme_id = \(f.programme) AND invoice_number IS NOT NULL OR (programme_id = \(f.programme) AND kind = 'expiry')
            ORDER BY at
            """, "e")
        let day = { (date: Date) in String(Timestamp.format(date).prefix(10)) }
        #expect(
            entries == [
                "accrual 40 0 \(day(.daysAgo(100)))", "expiry -40 0 \(day(Date.daysAgo(100).addingTimeInterval(74 * 86_400)))",
                "accrual 25 0 \(day(.daysAgo(20)))", "accrual 0 7 \(day(.daysAgo(3)))",
            ])
        try f.ledger.checkInvariants(notices: false)
        // The sweep finds nothing left to do for the history: the open window activates on its day.
        let swept = try f.ledger.expire(now: Date())
        #expect((swept.activated, swept.expired) == (0, 0))
        let later = try f.ledger.expire(now: .daysAgo(-12))
        #expect((later.activated, later.expired) == (7, 0))
    }

    @Test func adjustmentsCreditDebitAndSkipByKey() throws {
        var settings = LedgerFixture.Settings()
        settings.expiry = "rolling"
        settings.expiryDays = 30
        let f = try ImportFixture(settings)
        let card = try f.ledger.card()
        let k = TestDatabase.unique("adj")
        let path = try f.file(
            "adjustments.csv",
            [
                "idempotency_key,card_number,points,reason,date",
                "\(k)-1,\(card),100,\"welcome, late\",\(Timestamp.format(.daysAgo(5)))",
                "\(k)-2,\(card),-30,correction,\(Timestamp.format(.daysAgo(4)))",
                "\(k)-3,\(card),-500,too much,\(Timestamp.format(.daysAgo(3)))",
                "\(k)-4,\(card),80,ancient,\(Timestamp.format(.daysAgo(90)))",
                "\(k)-5,\(card),0,nothing,",
            ])
        let summary = try f.run("adjustments", path)
        #expect((summary.accepted, summary.skipped, summary.rejected) == (3, 0, 2))
        let rejects = try f.rejects(path)
        #expect(rejects.map(\.line) == [4, 6])
        #expect(rejects.map(\.code) == ["insufficient_points", "invalid_value"])
        #expect(rejects.map(\.field) == ["points", "points"])
        #expect(try f.ledger.balance(of: card).available == 70)
        try f.ledger.checkInvariants(notices: false)
        let again = try f.run("adjustments", path)
        #expect((again.accepted, again.skipped, again.rejected) == (0, 3, 2))
        #expect(try f.ledger.balance(of: card).available == 70)
    }

    /// A card below zero (a programme that lets balances go negative) has its debt paid first by the
    /// credits an import brings, exactly as `accrue` pays it: the same lots, draws and expiry entries.
    @Test func creditsOnANegativeBalancePayTheDebtFirstAsAccrueDoes() throws {
        var settings = LedgerFixture.Settings()
        settings.allowNegative = true
        settings.expiry = "rolling"
        settings.expiryDays = 60
        let imported = try ImportFixture(settings)
        let accrued = try LedgerFixture(settings)
        let (importCard, accrueCard) = (try imported.ledger.card(agreementDaysAgo: 400), try accrued.card(agreementDaysAgo: 400))
        let key = TestDatabase.unique("debt")
        let debit = try imported.file(
            "debit.csv",
            [
                "idempotency_key,card_number,points,reason,date",
                "\(key)-d,\(importCard),-30,correction,\(Timestamp.format(.daysAgo(200)))",
            ])
        #expect(try imported.run("adjustments", debit).accepted == 1)
        _ = try accrued.accrue(
            #"{"kind":"adjust","idempotency_key":"\#(key)-d","card_number":"\#(accrueCard)","points":-30,"reason":"correction"}"#)
        // 40 points that arrive expired pay the 30 owed and expire 10; the next credits are whole.
        let history = { (card: String) in
            [
                ImportFixture.invoice(card: card, number: "OLD", date: .daysAgo(100), lines: [("A", "B", 1, "40.00")]),
                ImportFixture.invoice(card: card, number: "NEW", date: .daysAgo(10), lines: [("A", "B", 1, "25.00")]),
            ]
        }
        #expect(try imported.run("invoices", try imported.file("history.jsonl", history(importCard))).accepted == 2)
        for record in history(accrueCard) { _ = try accrued.accrue(record) }
        #expect(try imported.ledger.balance(of: importCard).available == 25)
        #expect(try accrued.balance(of: accrueCard).available == 25)

        // A second debt, paid by an imported credit adjustment: 20 owed, 50 credited, 30 left on the lot.
        let second = try imported.file(
            "second.csv",
            [
                "idempotency_key,card_number,points,reason,date",
                "\(key)-d2,\(importCard),-45,correction,\(Timestamp.format(.daysAgo(2)))",
            ])
        #expect(try imported.run("adjustments", second).accepted == 1)
        let credit = try imported.file(
            "credit.csv",
            [
                "idempotency_key,card_number,points,reason,date",
                "\(key)-c,\(importCard),50,goodwill,\(Timestamp.format(.daysAgo(1)))",
            ])
        #expect(try imported.run("adjustments", credit).accepted == 1)
        #expect(try imported.ledger.balance(of: importCard).available == 30)

        let lots: SQL = """
            SELECT coalesce(i.number, 'adjustment') || ' ' || l.points || '/' || l.remaining AS row
            FROM lots l LEFT JOIN invoices i ON i.id = l.invoice_id JOIN customers c ON c.id = l.customer_id
            WHERE c.programme_id = current_setting('puntos.test_programme') ORDER BY l.id
            """
        let entries: SQL = """
            SELECT e.kind || ' ' || e.available_delta || ' ' || coalesce(e.invoice_number, '-') || ' draws '
                   || coalesce((SELECT string_agg(d.points::text, ',' ORDER BY d.points) FROM lot_draws d WHERE d.entry_id = e.id), '-') AS row
            FROM ledger_entries e WHERE e.programme_id = current_setting('puntos.test_programme') ORDER BY e.id
            """
        func rows(_ fixture: LedgerFixture, _ sql: SQL) throws -> [String] {
            try fixture.database.withTransaction { connection in
                try connection.query("SELECT set_config('puntos.test_programme', \(fixture.programme), true)")
                return try connection.query(sql).map { try $0.decode("row") }
            }
        }
        let (importedLots, accruedLots) = (try rows(imported.ledger, lots), try rows(accrued, lots))
        let (importedEntries, accruedEntries) = (try rows(imported.ledger, entries), try rows(accrued, entries))
        #expect(importedLots == ["OLD 40/0", "NEW 25/0", "adjustment 50/30"])
        #expect(accruedLots == ["OLD 40/0", "NEW 25/25"])
        #expect(
            importedEntries == [
                "adjustment -30 - draws -", "accrual 40 OLD draws -30", "accrual 25 NEW draws -", "expiry -10 OLD draws -10",
                "adjustment -45 - draws -25", "adjustment 50 - draws -20",
            ])
        #expect(accruedEntries.sorted() == Array(importedEntries.prefix(4)).sorted())
        try imported.ledger.checkInvariants(notices: false)
        try accrued.checkInvariants(notices: false)
    }

    @Test func puntosImportRunsTheImporterAndSaysWhatItDid() throws {
        let f = try ImportFixture()
        let card = try f.ledger.card()
        let path = try f.file(
            "cli.jsonl",
            [
                ImportFixture.invoice(card: card, number: "CLI-1", date: .daysAgo(2), lines: [("A", "B", 2, "12.50")]),
                ImportFixture.invoice(card: card, number: "CLI-2", date: .daysAgo(2), lines: [("A", "B", 1, "abc")]),
            ])
        let rejects = f.folder.appendingPathComponent("out.rejects").path
        let run = try FunctionProcess.run(
            "puntos", arguments: ["import", "invoices", path, "--programme", f.programme, "--rejects", rejects])
        #expect(run.exitCode == 65, "\(run.stderrText)")
        let summary = try #require(run.json)
        #expect(summary["accepted"] as? Int == 1)
        #expect(summary["rejected"] as? Int == 1)
        #expect(summary["rejects"] as? String == rejects)
        #expect(try String(contentsOfFile: rejects, encoding: .utf8).contains(#""line":2"#))
        #expect(run.stderrText.contains("puntos import: 2 records"))
        #expect(try f.ledger.balance(of: card).available == 12)  // 12.50 at a point per unit, rounded down

        let usage = try FunctionProcess.run("puntos", arguments: ["import", "vouchers", path])
        #expect(usage.exitCode == 65)
        #expect(usage.stderrText.contains("unknown kind vouchers"))
    }
}
