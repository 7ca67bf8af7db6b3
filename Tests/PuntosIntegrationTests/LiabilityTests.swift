import Foundation
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// The points-liability report (`balance` kind `liability`, `puntos report liability`) against the ledger.
@Suite struct LiabilityTests {
    /// What the ledger's running state says at one moment: balances per segment, lots per expiry month.
    struct Snapshot: Equatable {
        var segments: [String: [Int64]]  // segment ("" for none) → [available, pending, held]
        var months: [String: [Int64]]  // YYYY-MM or "never" → [available, pending]
    }

    /// Read from `accounts` (kept by the trigger) and `lots` (kept by the writes): not from the ledger's entries.
    func snapshot(_ f: LedgerFixture) throws -> Snapshot {
        try f.database.withTransaction(isolation: .repeatableRead) { connection in
            var segments: [String: [Int64]] = [:]
            for row in try connection.query(
                """
                SELECT coalesce(u.segment, '') AS segment, sum(a.available)::bigint AS available,
                       sum(a.pending)::bigint AS pending, sum(a.held)::bigint AS held
                FROM accounts a JOIN customers u ON u.id = a.customer_id
                WHERE a.programme_id = \(f.programme) GROUP BY 1
                """)
            {
                let values: [Int64] = [try row.decode("available"), try row.decode("pending"), try row.decode("held")]
                if values != [0, 0, 0] { segments[try row.decode("segment")] = values }
            }
            var months: [String: [Int64]] = [:]
            for row in try connection.query(
                """
                SELECT coalesce(to_char(date_trunc('month', l.expires_at AT TIME ZONE 'UTC'), 'YYYY-MM'), 'never') AS month,
                       coalesce(sum(l.remaining) FILTER (WHERE l.active), 0)::bigint AS available,
                       coalesce(sum(l.remaining) FILTER (WHERE NOT l.active), 0)::bigint AS pending
                FROM lots l JOIN customers u ON u.id = l.customer_id
                WHERE u.programme_id = \(f.programme) AND l.remaining > 0 GROUP BY 1
                """)
            {
                months[try row.decode("month")] = [try row.decode("available"), try row.decode("pending")]
            }
            return Snapshot(segments: segments, months: months)
        }
    }

    func snapshot(of report: LiabilityReport) -> Snapshot {
        var segments: [String: [Int64]] = [:]
        for row in report.segments where [row.available, row.pending, row.held] != [0, 0, 0] {
            segments[row.segment ?? ""] = [row.available, row.pending, row.held]
        }
        var months: [String: [Int64]] = [:]
        for row in report.expiry { months[row.month ?? "never"] = [row.available, row.pending] }
        return Snapshot(segments: segments, months: months)
    }

    func liability(_ f: LedgerFixture, asOf: Date?, now: Date = Date()) throws -> LiabilityReport {
        let field = asOf.map { #","as_of":"\#(Timestamp.format($0))""# } ?? ""
        return try #require(try f.balance(#"{"kind":"liability"\#(field)}"#, now: now).liability)
    }

    /// A random history (accruals with a return window, expiry, spends, holds committed, released and
    /// timed out, returns, adjustments, sweeps) over a simulated year; the report as of a moment in its
    /// middle equals the balances and lots as they stood then, and as of the end as they stand now.
    @Test(arguments: [UInt64(12), 2026])
    func equalsTheLedgerOnARandomHistory(seed: UInt64) throws {
        var random = SeededGenerator(state: seed)
        var settings = LedgerFixture.Settings()
        settings.pendingDays = 7
        settings.expiry = "rolling"
        settings.expiryDays = 60
        settings.pointValue = Decimal(string: "0.05")!
        let f = try LedgerFixture(settings)
        let segments: [String?] = [nil, "vip", "wine", nil]
        let cards = try (0..<6).map { i in try f.card(agreementDaysAgo: 800, segment: segments[i % segments.count]) }
        var now = Date().addingTimeInterval(-400 * 86_400)
        var invoices: [String] = []
        var openHolds: [String] = []
        var checkpoints: [(at: Date, state: Snapshot)] = []
        for step in 0..<160 {
            now = now.addingTimeInterval(Double.random(in: 3_600...(3 * 86_400), using: &random))
            let card = cards.randomElement(using: &random)!
            let tag = "\(f.programme)-\(step)"
            switch Int.random(in: 0..<10, using: &random) {
            case 0...3:
                let amount = Int.random(in: 1...400, using: &random)
                _ = try f.accrue(invoice(card, "INV-\(tag)", amount: "\(amount).00", order: "ORD-\(tag)", date: now), now: now)
                invoices.append("INV-\(tag)")
            case 4:
                let points = Int.random(in: 1...150, using: &random)
                _ = f.failure {
                    try f.redeem(
                        #"{"kind":"redeem","card_number":"\#(card)","order_number":"R-\#(tag)","order_amount":1000,"points":\#(points)}"#,
                        now: now)
                }
            case 5:
                let points = Int.random(in: 1...100, using: &random)
                if let hold = try? f.redeem(
                    #"{"kind":"hold","card_number":"\#(card)","order_number":"H-\#(tag)","order_amount":1000,"points":\#(points)}"#,
                    now: now)
                {
                    openHolds.append(hold.voucherNumber)
                }
            case 6:
                if let voucher = openHolds.popLast() {
                    let kind = Bool.random(using: &random) ? "commit" : "release"
                    _ = f.failure { try f.redeem(#"{"kind":"\#(kind)","voucher_number":"\#(voucher)"}"#, now: now) }
                }
            case 7:
                if let number = invoices.randomElement(using: &random) {
                    _ = f.failure {
                        try f.accrue(#"{"kind":"return","return_number":"RET-\#(tag)","invoice_number":"\#(number)"}"#, now: now)
                    }
                }
            case 8:
                let points = Int.random(in: -40...80, using: &random)
                if points != 0 {
                    _ = f.failure {
                        try f.accrue(
                            #"{"kind":"adjust","idempotency_key":"ADJ-\#(tag)","card_number":"\#(card)","points":\#(points),"reason":"test"}"#,
                            now: now)
                    }
                }
            default:
                // The fixture's context gives a past `now` a past deadline; the sweep needs a live one.
                let context = FunctionContext(
                    requestId: "sweep-\(tag)", deadline: Date().addingTimeInterval(60), logger: TestDatabase.logger,
                    database: f.database, now: now)
                _ = try Expire().handle(
                    try EventDecoding.decode(ExpireEvent.self, from: f.json(#"{"kind":"sweep"}"#)), context: context)
            }
            // The state after this step, at pairs of consecutive steps (often less than a day apart).
            if step % 20 == 10 || step % 20 == 11 {
                checkpoints.append((now, try snapshot(f)))
            }
        }
        try f.checkInvariants()
        let kinds = try f.database.withConnection { connection in
            try Set(
                connection.query("SELECT DISTINCT kind FROM ledger_entries WHERE programme_id = \(f.programme)").map {
                    try $0.decode("kind", as: String.self)
                })
        }
        for kind in ["accrual", "activation", "expiry", "redemption", "hold", "reversal"] {
            #expect(kinds.contains(kind), "the history has no \(kind) entry")
        }
        #expect(checkpoints.count == 16)
        for (index, checkpoint) in checkpoints.enumerated() {
            let report = try liability(f, asOf: checkpoint.at)
            #expect(snapshot(of: report) == checkpoint.state, "as of checkpoint \(index)")
        }
        let middle = checkpoints[9]
        #expect(
            middle.state.months.values.contains { $0[1] > 0 }
                || checkpoints.contains { $0.state.months.values.contains { $0[1] > 0 } },
            "the history left no pending points at any checkpoint")
        let then = try liability(f, asOf: middle.at)
        // The report as of the end equals the state now.
        let end = try liability(f, asOf: nil, now: now.addingTimeInterval(1))
        #expect(snapshot(of: end) == (try snapshot(f)))
        #expect(end.totals.available == end.segments.map(\.available).reduce(0, +))
        #expect(end.totals.availableValue == Decimal(end.totals.available) * Decimal(string: "0.05")!)
        #expect(end.totals.pendingValue == Decimal(end.totals.pending) * Decimal(string: "0.05")!)
        #expect(end.pointValue == Decimal(string: "0.05")!)
        // The sums of the entries themselves, up to each moment.
        for report in [then, end] {
            let row = try f.database.withConnection { connection in
                try connection.query(
                    """
                    SELECT coalesce(sum(available_delta), 0)::bigint AS available, coalesce(sum(pending_delta), 0)::bigint AS pending,
                           coalesce(sum(held_delta), 0)::bigint AS held
                    FROM ledger_entries WHERE programme_id = \(f.programme) AND at <= \(report.asOf)
                    """
                ).one()
            }
            #expect(report.totals.available == (try row.decode("available", as: Int64.self)))
            #expect(report.totals.pending == (try row.decode("pending", as: Int64.self)))
            #expect(report.totals.held == (try row.decode("held", as: Int64.self)))
        }
        // Before the first entry there is nothing.
        let before = try liability(f, asOf: Date().addingTimeInterval(-500 * 86_400))
        #expect(before.segments.isEmpty && before.expiry.isEmpty && before.totals.available == 0)
    }

    @Test func refusesAFutureMomentAndAnUnknownProgramme() throws {
        let f = try LedgerFixture()
        let future = f.failure {
            try f.balance(#"{"kind":"liability","as_of":"\#(Timestamp.format(Date().addingTimeInterval(86_400)))"}"#)
        }
        #expect(future?.code == .invalidValue)
        #expect(future?.field == "as_of")
        #expect(future?.exitCode == 65)
        let unknown = f.failure {
            try Balance().handle(
                try EventDecoding.decode(BalanceEvent.self, from: Data(#"{"kind":"liability","programme":"no-such-one"}"#.utf8)),
                context: f.context())
        }
        #expect(unknown?.code == .programmeNotFound)
        #expect(unknown?.exitCode == 69)
    }

    /// `puntos report liability` prints the same figures as the function, in each format.
    @Test func theCommandPrintsTheFunctionsFigures() throws {
        let f = try LedgerFixture()
        let card = try f.card(segment: "vip")
        _ = try f.accrue(invoice(card, "INV-\(f.programme)", amount: "250.00"))
        let report = try liability(f, asOf: nil)
        #expect(report.totals.available == 250)
        let json = try FunctionProcess.run(
            "puntos", arguments: ["report", "liability", "--programme", f.programme, "--format", "json"])
        #expect(json.exitCode == 0, "\(json.stderrText)")
        let programmes = try #require(json.json?["programmes"] as? [[String: Any]])
        let totals = try #require(programmes.first?["totals"] as? [String: Any])
        #expect((totals["available"] as? NSNumber)?.int64Value == 250)
        #expect((totals["available_value"] as? NSNumber)?.decimalValue == report.totals.availableValue)
        let csv = try FunctionProcess.run(
            "puntos", arguments: ["report", "liability", "--programme", f.programme, "--format", "csv"])
        #expect(csv.exitCode == 0, "\(csv.stderrText)")
        #expect(csv.stdoutText.contains("liability,\(f.programme),USD,"))
        #expect(csv.stdoutText.contains(",vip,false,,1,,250,0,0,0,"))
        let table = try FunctionProcess.run("puntos", arguments: ["report", "liability", "--programme", f.programme])
        #expect(table.exitCode == 0)
        #expect(table.stdoutText.contains("tiers: none"))
        // Before the invoice: nothing; a bad option is 65, an unknown programme 69.
        let empty = try FunctionProcess.run(
            "puntos", arguments: ["report", "liability", "--programme", f.programme, "--as-of", "2000-01-01", "--format", "csv"])
        #expect(empty.exitCode == 0)
        #expect(!empty.stdoutText.contains("liability,"))
        let bad = try FunctionProcess.run("puntos", arguments: ["report", "liability", "--as-of", "yesterday"])
        #expect(bad.exitCode == 65)
        #expect(bad.stderrText.contains("--as-of"))
        let unknown = try FunctionProcess.run("puntos", arguments: ["report", "liability", "--programme", "no-such-one"])
        #expect(unknown.exitCode == 69)
    }
}
