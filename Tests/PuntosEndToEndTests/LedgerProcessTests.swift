import Foundation
import PuntosPostgres
import PuntosTestSupport
import Testing

/// The ledger executables run as a checkout would run them.
@Suite struct LedgerProcessTests {
    /// A card on the default programme with `points` available.
    func cardWith(points: Int) throws -> String {
        let number = "9" + String((0..<14).map { _ in "0123456789".randomElement()! })
        let full = (0...9).map { number + String($0) }.first { luhnValid($0) }!
        let external = TestDatabase.unique("P")
        let link = try FunctionProcess.run(
            "register-card",
            input: Data(
                #"{"kind":"link","card_number":"\#(full)","customer":{"external_id":"\#(external)"}}"#.utf8))
        #expect(link.exitCode == 0, "\(link.stderrText)")
        let accept = try FunctionProcess.run(
            "register-card",
            input: Data(
                #"{"kind":"accept_agreement","card_number":"\#(full)","version":"v1","accepted_at":"2026-01-01T00:00:00Z"}"#.utf8)
        )
        #expect(accept.exitCode == 0, "\(accept.stderrText)")
        let adjust = try FunctionProcess.run(
            "accrue",
            input: Data(
                #"{"kind":"adjust","idempotency_key":"\#(external)","card_number":"\#(full)","points":\#(points),"reason":"test float"}"#
                    .utf8))
        #expect(adjust.exitCode == 0, "\(adjust.stderrText)")
        return full
    }

    func luhnValid(_ number: String) -> Bool {
        let sum = number.reversed().enumerated().reduce(0) { total, item in
            let digit = Int(String(item.element))!
            let doubled = item.offset % 2 == 1 ? (digit * 2 > 9 ? digit * 2 - 9 : digit * 2) : digit
            return total + doubled
        }
        return sum % 10 == 0
    }

    /// 100 processes race to hold 100 points each on a card with 3,000: exactly 30 win.
    @Test func aHundredCheckoutsRaceForPointsThatCoverThirty() throws {
        let card = try cardWith(points: 3000)
        let outcomes = OutcomeBox()
        let group = DispatchGroup()
        let queue = DispatchQueue(label: "race", attributes: .concurrent)
        for index in 0..<100 {
            group.enter()
            queue.async {
                let outcome = try? FunctionProcess.run(
                    "redeem",
                    input: Data(
                        #"{"kind":"hold","card_number":"\#(card)","order_number":"RACE-\#(card)-\#(index)","order_amount":1000,"points":100}"#
                            .utf8))
                outcomes.add(outcome)
                group.leave()
            }
        }
        group.wait()
        let all = outcomes.values
        #expect(all.count == 100)
        #expect(all.filter { $0?.exitCode == 0 }.count == 30)
        let refused = all.filter { $0?.exitCode == 69 }
        #expect(refused.count == 70)
        #expect(refused.allSatisfy { $0?.error?["code"] as? String == "insufficient_points" })
        let balance = try FunctionProcess.run("balance", input: Data(#"{"kind":"balance","card_number":"\#(card)"}"#.utf8))
        let view = balance.json?["balance"] as? [String: Any]
        #expect(view?["available"] as? Int == 0)
        #expect(view?["held"] as? Int == 3000)
    }

    /// Rigla: checkout must never hang when loyalty is down: a fast, clear, retryable error.
    @Test func loyaltyDownGivesAFastClearError() throws {
        let started = Date()
        let outcome = try FunctionProcess.run(
            "redeem",
            input: Data(
                #"{"kind":"hold","card_number":"7789000000000036","order_number":"X","order_amount":10,"points":1}"#.utf8),
            environment: ["DATABASE_URL": "postgresql://postgres@127.0.0.1:1/puntos?connect_timeout=2"])
        #expect(outcome.exitCode == 75, "\(outcome.stderrText)")
        #expect(Date().timeIntervalSince(started) < 3)
        #expect(outcome.stdout.isEmpty)
    }

    @Test func badInputExitsWith65AndNamesTheField() throws {
        let outcome = try FunctionProcess.run(
            "accrue",
            input: Data(
                #"{"kind":"invoice","card_number":"7789000000000036","number":"BAD-1","date":"2026-01-01T00:00:00Z","currency":"USD","lines":[{"sku":"A","quantity":-1,"amount":5}]}"#
                    .utf8))
        #expect(outcome.exitCode == 65)
        #expect(outcome.error?["field"] as? String == "lines[0].quantity")
    }
}

final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [FunctionProcess.Outcome?] = []
    func add(_ value: FunctionProcess.Outcome?) { lock.withLock { items.append(value) } }
    var values: [FunctionProcess.Outcome?] { lock.withLock { items } }
}
