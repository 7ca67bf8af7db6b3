import Foundation
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// Budgets and caps on promotions: an exhausted budget stops a promotion's extra points (the rule on
/// the entry says so), a customer's cap holds per period, and neither gives a point too many under
/// concurrency.
@Suite struct PromotionLimitTests {
    /// `DOUBLE`: twice the points on sku TOOL, with the limits given (JSON fields).
    func double(_ f: LedgerFixture, _ limits: String) throws -> ConfigureResult {
        let starts = Timestamp.format(Date().addingTimeInterval(-86_400))
        let ends = Timestamp.format(Date().addingTimeInterval(86_400))
        let body =
            #"{"kind":"promotion","code":"DOUBLE","target":"sku","value":"TOOL","multiplier":2,"starts_at":"\#(starts)","ends_at":"\#(ends)",\#(limits)}"#
        return try Configure().handle(try EventDecoding.decode(ConfigureEvent.self, from: f.json(body)), context: f.context())
    }

    func invoice(_ card: String, _ number: String, amount: Int = 10) -> String {
        #"{"kind":"invoice","card_number":"\#(card)","number":"\#(number)","date":"\#(Timestamp.format(Date()))","currency":"USD","lines":[{"sku":"TOOL","quantity":1,"amount":\#(amount)},{"sku":"NAIL","quantity":1,"amount":5}]}"#
    }

    /// The `limits` recorded on the accrual entry of an invoice.
    func limits(_ f: LedgerFixture, _ number: String) throws -> String? {
        try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT (rule -> 'limits')::text AS limits FROM ledger_entries
                WHERE programme_id = \(f.programme) AND invoice_number = \(number) AND kind = 'accrual'
                """
            ).one().decodeIfPresent("limits")
        }
    }

    func given(_ f: LedgerFixture) throws -> Int64 {
        try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT l.given_points FROM promotion_limits l JOIN promotions p ON p.id = l.promotion_id
                WHERE p.programme_id = \(f.programme) AND p.code = 'DOUBLE'
                """
            ).one().decode("given_points")
        }
    }

    /// Twenty members buy at once, each line earning 10 and 10 more from DOUBLE, whose budget is 55:
    /// five get the 10 extra, one the last 5, fourteen none, and the budget is spent to the point.
    @Test func aBudgetExhaustedMidRaceIsNeverExceeded() throws {
        let f = try LedgerFixture(.init(pointsPerUnit: 1))
        _ = try double(f, #""budget_points":55"#)
        let cards = try (0..<20).map { _ in try f.card() }
        let earned = LockedResults()
        let threads = cards.enumerated().map { index, card in
            Thread {
                do {
                    let database = try TestDatabase.make()
                    defer { database.close() }
                    let event = try EventDecoding.decode(AccrueEvent.self, from: f.json(invoice(card, "RACE-\(index)")))
                    let result = try Accrue().handle(
                        event, context: FunctionContext.make(database: database, logger: TestDatabase.logger))
                    earned.add(result.points)
                } catch {
                    earned.add(-1)
                }
            }
        }
        threads.forEach { $0.start() }
        while earned.count < 20 { usleep(10_000) }
        // Each invoice: TOOL 10 (+10 with DOUBLE) and NAIL 5.
        #expect(earned.values.sorted() == Array(repeating: 15, count: 14) + [20] + Array(repeating: 25, count: 5))
        #expect(try given(f) == 55)
        let stopped = try (0..<20).compactMap { try limits(f, "RACE-\($0)") }.filter { $0.contains("budget_exhausted") }
        #expect(stopped.count == 15)
        // Spent, the promotion gives nothing more; the base points still accrue.
        let late = try f.accrue(invoice(cards[0], "LATE"))
        #expect(late.points == 15)
        #expect(late.lines?.map(\.points) == [10, 5])
        #expect(
            try limits(f, "LATE") == #"[{"extra": 10, "granted": 0, "promotion": "DOUBLE", "limited_by": "budget_exhausted"}]"#)
        try f.checkInvariants()
    }

    /// A cap of 15 extra points per customer per day: 10, then 5, then none; another member has their own.
    /// A return takes back exactly what the line was given.
    @Test func aCustomersCapHoldsPerPeriodAndReturnsTakeBackWhatWasGiven() throws {
        let f = try LedgerFixture(.init(pointsPerUnit: 1))
        _ = try double(f, #""cap_points":15,"cap_period":"day""#)
        let ana = try f.card()
        let bea = try f.card()
        #expect(try f.accrue(invoice(ana, "CAP-1")).points == 25)
        let second = try f.accrue(invoice(ana, "CAP-2"))
        #expect(second.points == 20 && second.lines?.map(\.points) == [15, 5])
        #expect(try limits(f, "CAP-2") == #"[{"extra": 10, "granted": 5, "promotion": "DOUBLE", "limited_by": "cap_reached"}]"#)
        #expect(try f.accrue(invoice(ana, "CAP-3")).points == 15)
        #expect(try f.accrue(invoice(bea, "CAP-4")).points == 25)
        #expect(try f.balance(of: ana).available == 60)
        let returned = try f.accrue(#"{"kind":"return","return_number":"CAP-2-R","invoice_number":"CAP-2"}"#)
        #expect(returned.points == -20)
        #expect(try f.balance(of: ana).available == 40)
        try f.checkInvariants()
    }

    @Test func limitsAreValidated() throws {
        let f = try LedgerFixture()
        let cases: [(String, String)] = [
            (#""budget_points":0"#, "budget_points"), (#""cap_points":-1"#, "cap_points"),
            (#""cap_points":5,"cap_period":"year""#, "cap_period"), (#""cap_period":"day""#, "cap_period"),
        ]
        for (limits, field) in cases {
            let error = f.failure { try double(f, limits) }
            #expect(error?.code == .invalidValue && error?.field == field, "\(limits)")
        }
        #expect(try double(f, #""cap_points":5"#).promotion?.code == "DOUBLE")
    }
}
