import Foundation
import PuntosCore
import PuntosImport
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// `puntos import invoices` replays the period-end reviews of tiers between a member's invoices, as
/// the sweep (`expire`) makes them: the same history imported in one file, and run through `accrue`
/// one invoice at a time with the sweep at each 1 January, gives the same tiers, points and changes.
extension ImportTests {
    /// The programme's tier changes, oldest first: a review has no invoice (`-`) and is dated by its day.
    static let tierChangesWithReviews: SQL = """
        SELECT coalesce(from_tier, '-') || '>' || coalesce(to_tier, '-') || ' ' || reason || ' ' || qualifying::numeric(14, 2)
               || ' ' || coalesce(invoice_number, '-') || ' ' || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS row
        FROM tier_changes WHERE programme_id = current_setting('puntos.test_programme') ORDER BY at, id
        """

    /// The scheduled sweep (`expire`) as it ran at `date`, with a minute from now to run (a context made
    /// at a past date has its deadline passed): the tier changes it made.
    static func sweep(_ f: LedgerFixture, at date: Date) throws -> Int {
        let context = FunctionContext(
            requestId: UUID().uuidString.lowercased(), deadline: Date().addingTimeInterval(60), logger: TestDatabase.logger,
            database: f.database, now: date)
        return try Expire().handle(
            try EventDecoding.decode(ExpireEvent.self, from: f.json(#"{"kind":"sweep"}"#)), context: context
        )
        .tierChanges
    }

    /// Silver from 1000 points, Gold from 2000 (×1.5), Platinum from 5000 (×2) over the calendar year,
    /// `one_down`. A: Platinum in 2023, kept at the 2024 review (6200), Gold at the 2025 one (2400
    /// earned in 2024), Silver at the 2026 one (nothing in 2025), so A-4 earns at Silver. B: Silver in
    /// 2024, kept in 2025, none at the 2026 review (500 in 2025), then Silver again by B-3.
    @Test func historyReplaysThePeriodEndReviewsAsTheSweepDoes() throws {
        let imported = try ImportFixture()
        let accrued = try LedgerFixture()
        for fixture in [imported.ledger, accrued] { try configure(fixture, TierTests.scheme(downgrade: "one_down")) }
        let importCards = try (0..<2).map { _ in try imported.ledger.card(agreementDaysAgo: 3650) }
        let accrueCards = try (0..<2).map { _ in try accrued.card(agreementDaysAgo: 3650) }
        let history: [(member: Int, number: String, date: String, amount: String)] = [
            (0, "A-1", "2023-03-10", "6000.00"), (0, "A-2", "2023-06-10", "100.00"), (1, "B-1", "2024-02-01", "1500.00"),
            (0, "A-3", "2024-05-10", "1200.00"), (1, "B-2", "2025-03-01", "500.00"), (0, "A-4", "2026-02-10", "100.00"),
            (1, "B-3", "2026-03-01", "1200.00"),
        ]
        let record = { (cards: [String], h: (member: Int, number: String, date: String, amount: String)) in
            invoice(cards[h.member], h.number, amount: h.amount, date: day(h.date))
        }
        // Batches of three, each out of order within itself: [B-1 A-2 A-1] [A-4 B-2 A-3] [B-3]; B's 2026
        // review falls between the history recorded by the first two and the third.
        let path = try imported.file("reviews.jsonl", Self.shuffled(history.map { record(importCards, $0) }))
        let summary = try imported.run("invoices", path, batch: 3)
        #expect((summary.accepted, summary.skipped, summary.rejected) == (7, 0, 0))
        // The same through accrue at each invoice's date (so an upgrade is dated as the import dates it),
        // with the sweep at each new year.
        var sweeps = ["2024", "2025", "2026"].map { Timestamp.parse("\($0)-01-01T00:00:00Z")! }
        for h in history {
            while let sweep = sweeps.first, sweep < day(h.date) {
                #expect(try Self.sweep(accrued, at: sweep) >= 0)
                sweeps.removeFirst()
            }
            _ = try accrued.accrue(record(accrueCards, h), now: day(h.date))
        }

        let accruals = try Self.rows(imported.ledger, Self.accruals)
        #expect(accruals == (try Self.rows(accrued, Self.accruals)))
        #expect(
            accruals == [
                "A-1 6000/0 - -", "A-2 200/0 platinum -", "A-3 2400/0 platinum -", "A-4 100/0 silver -", "B-1 1500/0 - -",
                "B-2 500/0 silver -", "B-3 1200/0 - -",
            ])
        let changes = try Self.rows(imported.ledger, Self.tierChangesWithReviews)
        #expect(changes == (try Self.rows(accrued, Self.tierChangesWithReviews)))
        #expect(
            changes == [
                "->platinum qualified 6000.00 A-1 2023-03-10 12:00", "->silver qualified 1500.00 B-1 2024-02-01 12:00",
                "platinum>gold period_end 2400.00 - 2025-01-01 00:00", "gold>silver period_end 0.00 - 2026-01-01 00:00",
                "silver>- period_end 500.00 - 2026-01-01 00:00", "->silver qualified 1200.00 B-3 2026-03-01 12:00",
            ])
        for (a, b) in zip(importCards, accrueCards) {
            #expect(try imported.ledger.balance(of: a).available == accrued.balance(of: b).available)
            let status = try imported.ledger.balance(#"{"kind":"balance","card_number":"\#(a)"}"#).tier
            let expected = try accrued.balance(#"{"kind":"balance","card_number":"\#(b)"}"#).tier
            #expect(status?.tier == expected?.tier && status?.since == expected?.since)
            #expect(status?.tier == "silver")
        }
        // Each change has its notice, withheld as old history.
        let notices: [String] = try imported.query(
            """
            SELECT status || ' ' || coalesce(last_error, '-') AS n FROM notices
            WHERE programme_id = \(imported.programme) AND kind = 'tier_changed'
            """, "n")
        #expect(notices == Array(repeating: "suppressed invoice_too_old", count: 6))
        try imported.ledger.checkInvariants(notices: false)

        // Run again: nothing applied twice, no review recorded twice; and the sweep today finds nothing
        // left to review (the member's tier changed after the last year ended).
        let again = try imported.run("invoices", path, batch: 3)
        #expect((again.accepted, again.skipped) == (0, 7))
        #expect(try Self.rows(imported.ledger, Self.tierChangesWithReviews) == changes)
        #expect(try Self.sweep(imported.ledger, at: Timestamp.parse("2026-03-02T00:00:00Z")!) == 0)
    }

    /// A rolling window under `after_x_days`: the review at the end of each twelve months from the
    /// member's last change is decided once the grace (30 days) is over, counting what the member
    /// earned in it, as the sweep decides it.
    @Test func aRollingWindowsReviewWaitsForItsGraceAsTheSweepDoes() throws {
        let imported = try ImportFixture()
        let accrued = try LedgerFixture()
        let scheme = TierTests.scheme(downgrade: "after_x_days", window: #""window":"rolling_months","window_months":12"#)
        for fixture in [imported.ledger, accrued] { try configure(fixture, scheme) }
        let importCard = try imported.ledger.card(agreementDaysAgo: 3650)
        let accrueCard = try accrued.card(agreementDaysAgo: 3650)
        // Gold on 2024-03-10 (2000); the period ends 2025-03-10 with 2000 in it: kept (decided on
        // 2025-04-09, after G-2 earned at Gold). The next ends 2026-03-10 with G-2's 300 in it; the twelve
        // months to the grace's end (2026-04-09) hold G-3 and G-4, 315: Silver's 1000 not reached either
        // way, so no tier once the grace is over; G-3 and G-4, in the grace, still earn at Gold, G-5 at none.
        let history: [(number: String, date: String, amount: String)] = [
            ("G-1", "2024-03-10", "2000.00"), ("G-2", "2025-04-01", "200.00"), ("G-3", "2026-03-20", "200.00"),
            ("G-4", "2026-04-05", "10.00"), ("G-5", "2026-05-01", "10.00"),
        ]
        let record = { (card: String, h: (number: String, date: String, amount: String)) in
            invoice(card, h.number, amount: h.amount, date: day(h.date))
        }
        let summary = try imported.run(
            "invoices", try imported.file("rolling.jsonl", history.reversed().map { record(importCard, $0) }))
        #expect(summary.accepted == 5)
        var sweeps = ["2025-03-10T12:00:00Z", "2025-04-09T12:00:00Z", "2026-03-10T12:00:00Z", "2026-04-09T12:00:00Z"]
            .map { Timestamp.parse($0)! }
        for h in history {
            while let sweep = sweeps.first, sweep < day(h.date) {
                #expect(try Self.sweep(accrued, at: sweep) >= 0)
                sweeps.removeFirst()
            }
            _ = try accrued.accrue(record(accrueCard, h), now: day(h.date))
        }
        let accruals = try Self.rows(imported.ledger, Self.accruals)
        #expect(accruals == (try Self.rows(accrued, Self.accruals)))
        #expect(accruals == ["G-1 2000/0 - -", "G-2 300/0 gold -", "G-3 300/0 gold -", "G-4 15/0 gold -", "G-5 10/0 - -"])
        let changes = try Self.rows(imported.ledger, Self.tierChangesWithReviews)
        #expect(changes == (try Self.rows(accrued, Self.tierChangesWithReviews)))
        #expect(
            changes == [
                "->gold qualified 2000.00 G-1 2024-03-10 12:00", "gold>- grace_ended 315.00 - 2026-04-09 12:00",
            ])
        try imported.ledger.checkInvariants(notices: false)
    }
}
