import Foundation
import PuntosAlerts
import PuntosCards
import PuntosCore
import PuntosDelivery
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

func invoice(
    _ card: String, _ number: String, amount: String, order: String? = nil, date: Date = Date(), brand: String = "Acme",
    moderation: Bool = false, quantity: Int = 1, region: String? = nil
) -> String {
    let orderField = order.map { #","order_number":"\#($0)""# } ?? ""
    let regionField = region.map { #","region":"\#($0)""# } ?? ""
    return
        #"{"kind":"invoice","card_number":"\#(card)","number":"\#(number)"\#(orderField)\#(regionField),"date":"\#(Timestamp.format(date))","currency":"USD","moderation":\#(moderation),"lines":[{"sku":"SKU-1","brand":"\#(brand)","quantity":\#(quantity),"amount":\#(amount)}]}"#
}

@Suite struct LedgerScenarioTests {
    /// Implosa: 100 points = $1, at least 500 per redemption, a statement with invoice, order and voucher numbers.
    @Test func implosaScreen() throws {
        var settings = LedgerFixture.Settings()
        settings.minRedemption = 500
        let f = try LedgerFixture(settings)
        let card = try f.card()
        let earned = try f.accrue(invoice(card, "F-001-0001", amount: "1500.00", order: "PED-77"))
        #expect(earned.points == 1500)
        let balance = try f.balance(of: card)
        #expect(balance.available == 1500)
        #expect(balance.value == 15)
        let below = f.failure {
            try f.redeem(#"{"kind":"hold","card_number":"\#(card)","order_number":"W-1","order_amount":100,"points":499}"#)
        }
        #expect(below?.code == .belowMinimum)
        #expect(below?.exitCode == 69)
        let spent = try f.redeem(
            #"{"kind":"redeem","card_number":"\#(card)","order_number":"W-2","order_amount":100,"points":500}"#)
        #expect(spent.value == 5)
        #expect(spent.balance.available == 1000)
        let statement = try f.balance(#"{"kind":"statement","card_number":"\#(card)"}"#)
        let entries = try #require(statement.entries)
        #expect(entries.map(\.kind) == ["redemption", "accrual"])
        #expect(entries[0].voucherNumber == spent.voucherNumber)
        #expect(entries[0].orderNumber == "W-2")
        #expect(entries[1].invoiceNumber == "F-001-0001")
        #expect(entries[1].orderNumber == "PED-77")
        // E-mail on every change: one notice per entry.
        #expect(try f.count("notices") == 2)
        try f.checkInvariants()
    }

    /// ONe: no points before the agreement, and none for invoices dated before it.
    @Test func oneNoPointsBeforeTheAgreement() throws {
        let f = try LedgerFixture()
        let without = try f.card(agreementDaysAgo: nil)
        let result = try f.accrue(invoice(without, "ONE-1", amount: "100.00"))
        #expect(result.status == "not_eligible")
        #expect(result.reason == "no_agreement")
        #expect(result.points == 0)
        let with = try f.card(agreementDaysAgo: 2)
        #expect(
            try f.accrue(invoice(with, "ONE-2", amount: "100.00", date: Date().addingTimeInterval(-5 * 86_400))).status
                == "not_eligible")
        #expect(try f.accrue(invoice(with, "ONE-3", amount: "100.00")).points == 100)
        #expect(try f.count("ledger_entries") == 1)
        try f.checkInvariants()
    }

    /// ReBase: a receipt claim waits for moderation; a manufacturer's promotion on one brand.
    @Test func rebaseModeratedClaimsAndABrandPromotion() throws {
        var settings = LedgerFixture.Settings()
        settings.pointValue = 1
        settings.pointsPerUnit = Decimal(string: "0.05")!
        let f = try LedgerFixture(settings)
        try f.promotion("BOSCO-X2", target: "brand", value: "Bosco", multiplier: 2)
        let card = try f.card()
        let claim = try f.accrue(invoice(card, "RCPT-1", amount: "1000.00", brand: "Bosco", moderation: true))
        #expect(claim.status == "pending_moderation")
        #expect(claim.points == 100)
        #expect(claim.lines?.first?.promotions == ["BOSCO-X2"])
        #expect(try f.balance(of: card).available == 0)
        let approved = try f.accrue(#"{"kind":"approve","invoice_number":"RCPT-1"}"#)
        #expect(approved.balance.available == 100)
        #expect(f.failure { try f.accrue(#"{"kind":"reject","invoice_number":"RCPT-1"}"#) }?.code == .notPendingModeration)
        _ = try f.accrue(invoice(card, "RCPT-2", amount: "1000.00", brand: "Other", moderation: true))
        let rejected = try f.accrue(#"{"kind":"reject","invoice_number":"RCPT-2","reason":"fake"}"#)
        #expect(rejected.status == "rejected")
        #expect(rejected.balance.available == 100)
        // The rule in force is recorded on the entry.
        let rule: String = try f.database.withConnection {
            try $0.query("SELECT rule::text AS r FROM ledger_entries WHERE programme_id = \(f.programme)").one().decode("r")
        }
        #expect(rule.contains("BOSCO-X2"))
        try f.checkInvariants()
    }

    /// Rigla: at most half an order in points; the POS changes the order after the hold and commits less.
    @Test func riglaCapAndACommitOfLessAfterThePOSChangesTheOrder() throws {
        var settings = LedgerFixture.Settings()
        settings.pointValue = 1
        settings.maxOrderShare = Decimal(string: "0.5")!
        let f = try LedgerFixture(settings)
        let card = try f.card()
        _ = try f.accrue(invoice(card, "R-1", amount: "1000.00"))
        let tooMuch = f.failure {
            try f.redeem(#"{"kind":"hold","card_number":"\#(card)","order_number":"K-1","order_amount":1000,"points":501}"#)
        }
        #expect(tooMuch?.code == .exceedsOrderShare)
        let hold = try f.redeem(
            #"{"kind":"hold","card_number":"\#(card)","order_number":"K-1","order_amount":1000,"points":500}"#)
        #expect(hold.balance.available == 500)
        #expect(hold.balance.held == 500)
        let commit = try f.redeem(#"{"kind":"commit","voucher_number":"\#(hold.voucherNumber)","order_amount":600}"#)
        #expect(commit.points == 300)
        #expect(commit.balance.available == 700)
        #expect(commit.balance.held == 0)
        #expect(
            f.failure { try f.redeem(#"{"kind":"release","voucher_number":"\#(hold.voucherNumber)"}"#) }?.code == .holdCommitted
        )
        try f.checkInvariants()
    }

    @Test func aHoldThatTimesOutReleasesItself() throws {
        let f = try LedgerFixture()
        let card = try f.card()
        _ = try f.accrue(invoice(card, "T-1", amount: "100.00"))
        let hold = try f.redeem(
            #"{"kind":"hold","card_number":"\#(card)","order_number":"T-O","order_amount":100,"points":80,"minutes":1}"#)
        let later = Date().addingTimeInterval(120)
        #expect(
            f.failure { try f.redeem(#"{"kind":"commit","voucher_number":"\#(hold.voucherNumber)"}"#, now: later) }?.code
                == .holdTimedOut)
        let sweep = try f.expire(now: later)
        #expect(sweep.holdsReleased == 1)
        #expect(try f.balance(of: card).available == 100)
        #expect(try f.expire(now: later).holdsReleased == 0)
        try f.checkInvariants()
    }

    @Test func returnsTakePendingFirstAndFollowTheNegativeBalancePolicy() throws {
        for allowNegative in [false, true] {
            var settings = LedgerFixture.Settings()
            settings.pendingDays = 14
            settings.allowNegative = allowNegative
            let f = try LedgerFixture(settings)
            let card = try f.card()
            let earned = try f.accrue(invoice(card, "P-1", amount: "100.00", quantity: 4))
            #expect(earned.balance.pending == 100)
            let partial = try f.accrue(
                #"{"kind":"return","return_number":"RT-1","invoice_number":"P-1","lines":[{"line":0,"quantity":1}]}"#)
            #expect(partial.points == -25)
            #expect(partial.balance.pending == 75)
            _ = try f.expire(now: Date().addingTimeInterval(15 * 86_400))
            #expect(try f.balance(of: card).available == 75)
            _ = try f.redeem(#"{"kind":"redeem","card_number":"\#(card)","order_number":"SP-1","order_amount":100,"points":60}"#)
            let rest = try f.accrue(#"{"kind":"return","return_number":"RT-2","invoice_number":"P-1"}"#)
            if allowNegative {
                #expect(rest.balance.available == -60)
                #expect(rest.uncollected == 0)
            } else {
                #expect(rest.balance.available == 0)
                #expect(rest.uncollected == 60)
            }
            #expect(
                f.failure {
                    try f.accrue(
                        #"{"kind":"return","return_number":"RT-3","invoice_number":"P-1","lines":[{"line":0,"quantity":1}]}"#)
                }?.field == "lines[0].quantity")
            try f.checkInvariants()
        }
    }

    @Test func aCancelledOrderGivesSpentPointsBackToTheirLotsWithTheirExpiry() throws {
        var settings = LedgerFixture.Settings()
        settings.expiry = "rolling"
        settings.expiryDays = 30
        let f = try LedgerFixture(settings)
        let card = try f.card()
        _ = try f.accrue(invoice(card, "C-1", amount: "1000.00"))
        let lot = {
            try f.database.withConnection {
                try $0.query(
                    "SELECT remaining, expires_at FROM lots l JOIN invoices i ON i.id = l.invoice_id WHERE i.number = 'C-1' AND i.programme_id = \(f.programme)"
                ).one()
            }
        }
        let before = try lot()
        _ = try f.redeem(#"{"kind":"redeem","card_number":"\#(card)","order_number":"CX-1","order_amount":100,"points":400}"#)
        #expect(try lot().decode("remaining", as: Int64.self) == 600)
        let cancelled = try f.accrue(#"{"kind":"cancel","order_number":"CX-1"}"#)
        #expect(cancelled.points == 400)
        #expect(cancelled.balance.available == 1000)
        let after = try lot()
        #expect(try after.decode("remaining", as: Int64.self) == 1000)
        #expect(try after.decode("expires_at", as: Date.self) == before.decode("expires_at", as: Date.self))
        // Cancelling again answers the same and gives nothing twice.
        #expect(try f.accrue(#"{"kind":"cancel","order_number":"CX-1"}"#) == cancelled)
        try f.checkInvariants()
    }

    @Test func expiryWarnsThenExpiresOnceEvenWhenSweptConcurrently() throws {
        var settings = LedgerFixture.Settings()
        settings.expiry = "rolling"
        settings.expiryDays = 10
        let f = try LedgerFixture(settings)
        let card = try f.card()
        _ = try f.accrue(invoice(card, "E-1", amount: "100.00"))
        #expect(try f.expire(now: Date()).noticesWritten == 1)
        #expect(try f.expire(now: Date()).noticesWritten == 0)
        let later = Date().addingTimeInterval(11 * 86_400)
        let results = LockedResults()
        let threads = (0..<4).map { _ in
            Thread {
                do { results.add(try f.expireOnOwnConnection(now: later).expired) } catch { results.add(-1) }
            }
        }
        threads.forEach { $0.start() }
        while results.count < 4 { usleep(10_000) }
        #expect(results.values.sorted() == [0, 0, 0, 100])
        #expect(try f.balance(of: card).available == 0)
        try f.checkInvariants()
    }

    @Test func aBlockedCardIsRefused() throws {
        let f = try LedgerFixture()
        let card = try f.card()
        _ = try RegisterCard().handle(
            try EventDecoding.decode(
                RegisterCardEvent.self,
                from: f.json(
                    #"{"kind":"block","card_number":"\#(card)","reason":"stolen"}"#)), context: f.context())
        #expect(f.failure { try f.accrue(invoice(card, "B-1", amount: "10.00")) }?.code == .cardBlocked)
        #expect(
            f.failure {
                try f.redeem(#"{"kind":"redeem","card_number":"\#(card)","order_number":"B","order_amount":10,"points":1}"#)
            }?.code == .cardBlocked)
    }

    @Test func aProgrammeOffInARegionEarnsNothingThere() throws {
        var settings = LedgerFixture.Settings()
        settings.regions = ["moscow"]
        let f = try LedgerFixture(settings)
        let card = try f.card()
        #expect(try f.accrue(invoice(card, "G-1", amount: "10.00", region: "kazan")).reason == "region_disabled")
        #expect(try f.accrue(invoice(card, "G-2", amount: "10.00", region: "moscow")).points == 10)
    }

    @Test func everyWriteIsIdempotentRefusalsIncluded() throws {
        let f = try LedgerFixture()
        let card = try f.card()
        let event =
            #"{"kind":"hold","idempotency_key":"k-1","card_number":"\#(card)","order_number":"I-1","order_amount":100,"points":50}"#
        #expect(f.failure { try f.redeem(event) }?.code == .insufficientPoints)
        let date = Date().addingTimeInterval(-60)
        _ = try f.accrue(invoice(card, "I-INV", amount: "100.00", date: date))
        // The refusal stays the answer for that key.
        #expect(f.failure { try f.redeem(event) }?.code == .insufficientPoints)
        let other =
            #"{"kind":"hold","idempotency_key":"k-1","card_number":"\#(card)","order_number":"I-1","order_amount":100,"points":60}"#
        #expect(f.failure { try f.redeem(other) }?.code == .idempotencyConflict)
        // The same invoice twice accrues once; the same number with other contents conflicts.
        let again = try f.accrue(invoice(card, "I-INV", amount: "100.00", date: date))
        #expect(again.points == 100)
        #expect(try f.balance(of: card).available == 100)
        #expect(f.failure { try f.accrue(invoice(card, "I-INV", amount: "200.00", date: date)) }?.code == .idempotencyConflict)
        let forecast = try f.balance(#"{"kind":"forecast","lines":[{"sku":"X","quantity":1,"amount":55.5}]}"#)
        #expect(forecast.forecast?.points == 55)
        #expect(try f.count("ledger_entries") == 1)
        try f.checkInvariants()
    }

    @Test func badInputIsRefusedWithTheFieldNamedAndNothingWritten() throws {
        let f = try LedgerFixture()
        let card = try f.card()
        let now = Timestamp.format(Date())
        let cases: [(String, String)] = [
            (
                #"{"kind":"invoice","card_number":"\#(card)","number":"X1","date":"\#(now)","currency":"USD","lines":[{"sku":"A","quantity":1,"amount":-5}]}"#,
                "lines[0].amount"
            ),
            (
                #"{"kind":"invoice","card_number":"\#(card)","number":"X2","date":"\#(now)","currency":"USD","lines":[{"sku":"A","quantity":0,"amount":5}]}"#,
                "lines[0].quantity"
            ),
            (
                #"{"kind":"invoice","card_number":"\#(card)","number":"X3","date":"\#(now)","currency":"XTS","lines":[{"sku":"A","quantity":1,"amount":5}]}"#,
                "currency"
            ),
            (
                #"{"kind":"invoice","card_number":"\#(card)","number":"X4","date":"2999-01-01T00:00:00Z","currency":"USD","lines":[{"sku":"A","quantity":1,"amount":5}]}"#,
                "date"
            ),
            (
                #"{"kind":"invoice","card_number":"\#(card)","number":"X5","date":"\#(now)","currency":"USD","lines":[{"sku":"A","quantity":1,"amount":99999999999999}]}"#,
                "lines[0].amount"
            ),
            (
                #"{"kind":"invoice","card_number":"\#(card)","number":"X6","date":"\#(now)","currency":"USD","lines":[{"sku":"A","quantity":1,"amount":5.001}]}"#,
                "lines[0].amount"
            ),
            (#"{"kind":"invoice","card_number":"\#(card)","number":"X7","date":"\#(now)","currency":"USD","lines":[]}"#, "lines"),
            (#"{"kind":"adjust","idempotency_key":"a","card_number":"\#(card)","points":0,"reason":"x"}"#, "points"),
        ]
        for (body, field) in cases {
            let error = f.failure { try f.accrue(body) }
            #expect(error?.kind == .badInput, "\(body)")
            #expect(error?.field == field, "\(body): \(String(describing: error))")
        }
        let huge = f.failure {
            try f.redeem(#"{"kind":"hold","card_number":"\#(card)","order_number":"H","order_amount":10,"points":99999999999}"#)
        }
        #expect(huge?.field == "points")
        let unknown = f.failure { try f.accrue(#"{"kind":"return","return_number":"R-X","invoice_number":"NOPE"}"#) }
        #expect(unknown?.code == .invoiceNotFound)
        #expect(unknown?.field == "invoice_number")
        #expect(try f.count("invoices") == 0)
        #expect(try f.count("ledger_entries") == 0)
    }

    /// Random sequences of accrue, hold, commit, release, return, redeem and expire on a few cards keep every invariant.
    @Test(arguments: [UInt64(1), 2, 3])
    func randomSequencesKeepEveryInvariant(seed: UInt64) throws {
        var rng = SeededGenerator(state: seed)
        var settings = LedgerFixture.Settings()
        settings.pendingDays = 2
        settings.expiry = "rolling"
        settings.expiryDays = 6
        settings.allowNegative = seed == 3
        settings.minRedemption = 10
        let f = try LedgerFixture(settings)
        let cards = try (0..<3).map { _ in try f.card(agreementDaysAgo: 1) }
        var now = Date()
        var invoices: [String] = []
        var vouchers: [String] = []
        for step in 0..<60 {
            let card = cards.randomElement(using: &rng)!
            do {
                switch Int.random(in: 0..<8, using: &rng) {
                case 0, 1:
                    let number = "INV-\(step)"
                    _ = try f.accrue(
                        invoice(
                            card, number, amount: "\(Int.random(in: 10...500, using: &rng)).50",
                            order: "O-\(step)", date: now, quantity: Int.random(in: 1...3, using: &rng)), now: now)
                    invoices.append(number)
                case 2:
                    let hold = try f.redeem(
                        #"{"kind":"hold","card_number":"\#(card)","order_number":"H-\#(step)","order_amount":1000,"points":\#(Int.random(in: 5...200, using: &rng)),"minutes":\#(Int.random(in: 1...600, using: &rng))}"#,
                        now: now)
                    vouchers.append(hold.voucherNumber)
                case 3 where !vouchers.isEmpty:
                    let voucher = vouchers.randomElement(using: &rng)!
                    _ = try f.redeem(
                        #"{"kind":"commit","voucher_number":"\#(voucher)","order_amount":\#(Int.random(in: 20...1000, using: &rng))}"#,
                        now: now)
                case 4 where !vouchers.isEmpty:
                    _ = try f.redeem(#"{"kind":"release","voucher_number":"\#(vouchers.randomElement(using: &rng)!)"}"#, now: now)
                case 5 where !invoices.isEmpty:
                    _ = try f.accrue(
                        #"{"kind":"return","return_number":"RT-\#(step)","invoice_number":"\#(invoices.randomElement(using: &rng)!)","lines":[{"line":0,"quantity":1}]}"#,
                        now: now)
                case 6:
                    _ = try f.redeem(
                        #"{"kind":"redeem","card_number":"\#(card)","order_number":"D-\#(step)","order_amount":1000,"points":\#(Int.random(in: 10...150, using: &rng))}"#,
                        now: now)
                default:
                    now = now.addingTimeInterval(Double(Int.random(in: 1...3, using: &rng)) * 86_400)
                    _ = try f.expire(now: now)
                }
            } catch let error as FunctionError where error.kind != .bug && error.kind != .temporary {
                // Refusals (insufficient points, a hold already resolved, a line returned) are part of the game.
            }
            try f.checkInvariants()
        }
    }
}

extension LedgerFixture {
    /// A sweep on a connection of its own, as a second scheduled run would have.
    func expireOnOwnConnection(now: Date) throws -> ExpireResult {
        let context = FunctionContext.make(database: try TestDatabase.make(), logger: TestDatabase.logger, now: now)
        return try Expire().handle(try EventDecoding.decode(ExpireEvent.self, from: json(#"{"kind":"sweep"}"#)), context: context)
    }
}

final class LockedResults: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Int64] = []
    func add(_ value: Int64) { lock.withLock { items.append(value) } }
    var count: Int { lock.withLock { items.count } }
    var values: [Int64] { lock.withLock { items } }
}

@Suite struct ConfigureTests {
    func configure(_ f: LedgerFixture, _ body: String) throws -> ConfigureResult {
        try Configure().handle(try EventDecoding.decode(ConfigureEvent.self, from: f.json(body)), context: f.context())
    }

    @Test func rulesAndPromotionsAreValidatedDataAndTheForecastUsesThem() throws {
        let f = try LedgerFixture()
        let card = try f.card()
        let set = try configure(
            f, #"{"kind":"settings","points_per_unit":0.5,"rounding":"half_up","min_redemption":500,"max_order_share":0.5}"#)
        #expect(set.pointsPerUnit == Decimal(string: "0.5"))
        #expect(set.minRedemption == 500)
        let bad = f.failure { try configure(f, #"{"kind":"settings","max_order_share":1.5}"#) }
        #expect(bad?.field == "max_order_share")
        #expect(f.failure { try configure(f, #"{"kind":"settings","expiry":"rolling"}"#) }?.field == "expiry_days")
        _ = try configure(
            f,
            #"{"kind":"promotion","code":"VIP-X3","target":"segment","value":"vip","multiplier":3,"starts_at":"2026-01-01T00:00:00Z","ends_at":"2099-01-01T00:00:00Z"}"#
        )
        #expect(
            f.failure {
                try configure(
                    f,
                    #"{"kind":"promotion","code":"VIP-X3","target":"segment","value":"vip","starts_at":"2026-01-01T00:00:00Z","ends_at":"2099-01-01T00:00:00Z"}"#
                )
            }?.code == .promotionExists)
        let forecast = #"{"kind":"forecast","card_number":"\#(card)","lines":[{"sku":"W","quantity":1,"amount":101}]}"#
        #expect(try f.balance(forecast).forecast?.points == 51)
        _ = try configure(f, #"{"kind":"segment","card_number":"\#(card)","segment":"vip"}"#)
        #expect(try f.balance(forecast).forecast?.points == 152)
        // The forecast and the accrual agree, and the entry records the rule in force.
        #expect(try f.accrue(invoice(card, "CF-1", amount: "101")).points == 152)
        try f.checkInvariants()
    }
}
