import Foundation
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRewards
import PuntosRuntime
import PuntosTestSupport
import Testing

extension LedgerFixture {
    /// Runs a `rewards` event of this programme, on the fixture's connection or on `database`.
    func rewards(_ body: String, now: Date = Date(), on database: Database? = nil) throws -> RewardsResult {
        let context = FunctionContext.make(database: database ?? self.database, logger: TestDatabase.logger, now: now)
        return try Rewards().handle(try EventDecoding.decode(RewardsEvent.self, from: json(body)), context: context)
    }

    /// A card with `points` available, earned on one invoice.
    func card(points: Int) throws -> String {
        let card = try card()
        _ = try accrue(invoice(card, TestDatabase.unique("RW"), amount: "\(points).00"))
        return card
    }

    func buy(_ card: String, _ reward: String, key: String = TestDatabase.unique("k"), on database: Database? = nil) throws
        -> PurchaseResult
    {
        try #require(
            try rewards(
                #"{"kind":"buy_reward","idempotency_key":"\#(key)","card_number":"\#(card)","code":"\#(reward)"}"#,
                on: database
            ).purchase)
    }

    func rewardCount(_ table: String) throws -> Int64 {
        try database.withConnection { connection in
            switch table {
            case "coupons":
                try connection.query("SELECT count(*) AS n FROM coupons WHERE programme_id = \(programme)").one().decode("n")
            case "coupon_events":
                try connection.query(
                    """
                    SELECT count(*) AS n FROM coupon_events e JOIN coupons c ON c.id = e.coupon_id
                    WHERE c.programme_id = \(programme)
                    """
                ).one().decode("n")
            default:
                try connection.query("SELECT coalesce(sum(sold), 0)::bigint AS n FROM rewards WHERE programme_id = \(programme)")
                    .one().decode("n")
            }
        }
    }
}

let tenOff =
    #"{"kind":"reward","code":"TEN-OFF","name":"$10 off","type":"amount_off","amount":"10.00","price_points":100,"valid_days":30}"#

@Suite struct RewardsTests {
    @Test func theLastUnitRacedByFiftyBuyersGoesToOne() throws {
        let f = try LedgerFixture()
        _ = try f.rewards(
            #"{"kind":"reward","code":"LAST","name":"The last one","type":"amount_off","amount":"5","price_points":100,"valid_days":10,"stock_total":1}"#
        )
        let cards = try (0..<50).map { _ in try f.card(points: 150) }
        let results = LockedResults()
        let failures = LockedResults()
        let threads = cards.map { card in
            Thread {
                do {
                    let database = try TestDatabase.make()
                    defer { database.close() }
                    _ = try f.buy(card, "LAST", on: database)
                    results.add(1)
                } catch let error as FunctionError where error.code == .rewardSoldOut {
                    failures.add(1)
                } catch {
                    failures.add(-1)
                }
            }
        }
        threads.forEach { $0.start() }
        while results.count + failures.count < 50 { usleep(10_000) }
        #expect(results.count == 1)
        #expect(failures.values == Array(repeating: 1, count: 49), "every loser is told the reward is sold out")
        let balances = try cards.map { try f.balance(of: $0).available }.sorted()
        #expect(balances == [50] + Array(repeating: 150, count: 49))
        #expect(try f.rewardCount("coupons") == 1)
        #expect(try f.rewardCount("sold") == 1)
        #expect(try f.count("ledger_entries") == 51)
        try f.checkInvariants()
    }

    @Test func aCouponUsedTwiceAtOnceIsUsedOnce() throws {
        let f = try LedgerFixture()
        _ = try f.rewards(tenOff)
        let card = try f.card(points: 100)
        let coupon = try f.buy(card, "TEN-OFF").couponCode
        let used = LockedResults()
        let refused = LockedResults()
        let threads = (0..<8).map { index in
            Thread {
                do {
                    let database = try TestDatabase.make()
                    defer { database.close() }
                    let result = try f.rewards(
                        #"{"kind":"use_coupon","coupon_code":"\#(coupon)","order_number":"O-\#(index)","order_amount":"40.00"}"#,
                        on: database)
                    used.add(result.coupon?.discount == 10 ? 1 : -1)
                } catch let error as FunctionError where error.code == .couponUsed {
                    refused.add(1)
                } catch {
                    refused.add(-1)
                }
            }
        }
        threads.forEach { $0.start() }
        while used.count + refused.count < 8 { usleep(10_000) }
        #expect(used.values == [1])
        #expect(refused.values == Array(repeating: 1, count: 7))
        let order = try #require(
            try f.rewards(#"{"kind":"coupons","card_number":"\#(card)"}"#).coupons?.coupons.first?.orderNumber)
        // The winning order again answers the same and changes nothing.
        let again = try f.rewards(
            #"{"kind":"use_coupon","coupon_code":"\#(coupon)","order_number":"\#(order)","order_amount":"40.00"}"#)
        #expect(again.coupon?.status == .used)
        #expect(again.coupon?.discount == 10)
        #expect(try f.rewardCount("coupon_events") == 2)
    }

    /// Two coupons share an order only when both may be combined; under a race of eight
    /// non-combinable coupons on one order, exactly one is used.
    @Test func couponsThatMayNotBeCombinedShareNoOrder() throws {
        let f = try LedgerFixture()
        _ = try f.rewards(tenOff)
        _ = try f.rewards(
            #"{"kind":"reward","code":"FIVE-OFF","name":"$5 off","type":"amount_off","amount":"5.00","price_points":50,"valid_days":30,"combinable":true}"#
        )
        let card = try f.card(points: 2000)
        let (a, b) = (try f.buy(card, "FIVE-OFF").couponCode, try f.buy(card, "FIVE-OFF").couponCode)
        let solo = try f.buy(card, "TEN-OFF").couponCode
        let use: @Sendable (String, String) -> String = { coupon, order in
            #"{"kind":"use_coupon","coupon_code":"\#(coupon)","order_number":"\#(order)","order_amount":"40.00"}"#
        }
        // Two combinable coupons on one order: both apply.
        #expect(try f.rewards(use(a, "M-1")).coupon?.discount == 5)
        #expect(try f.rewards(use(b, "M-1")).coupon?.discount == 5)
        // A non-combinable one on that order: validate says why, use refuses and changes nothing.
        let validate = try f.rewards(
            #"{"kind":"validate_coupon","coupon_code":"\#(solo)","order_number":"M-1","order_amount":"40.00"}"#)
        #expect(validate.coupon?.applies == false)
        #expect(validate.coupon?.reason == "not_combinable")
        let refusal = f.failure { try f.rewards(use(solo, "M-1")) }
        #expect(refusal?.code == .couponNotCombinable)
        #expect(refusal?.field == "order_number")
        // Without an order number, validate cannot know the order's other coupons: it applies.
        #expect(
            try f.rewards(#"{"kind":"validate_coupon","coupon_code":"\#(solo)","order_amount":"40.00"}"#).coupon?.applies == true)
        // A combinable coupon is refused beside a non-combinable one already used.
        #expect(try f.rewards(use(solo, "M-2")).coupon?.discount == 10)
        _ = try f.rewards(#"{"kind":"restore_coupon","coupon_code":"\#(a)","order_number":"M-1"}"#)
        #expect(f.failure { try f.rewards(use(a, "M-2")) }?.code == .couponNotCombinable)
        #expect(try f.rewards(use(a, "M-3")).coupon?.orderNumber == "M-3")

        // Eight non-combinable coupons raced onto one order: one is used, seven refused.
        let racers = try (0..<8).map { _ in try f.buy(card, "TEN-OFF").couponCode }
        let used = LockedResults()
        let refused = LockedResults()
        let threads = racers.map { coupon in
            Thread {
                do {
                    let database = try TestDatabase.make()
                    defer { database.close() }
                    used.add(try f.rewards(use(coupon, "RACE"), on: database).coupon?.discount == 10 ? 1 : -1)
                } catch let error as FunctionError where error.code == .couponNotCombinable {
                    refused.add(1)
                } catch {
                    refused.add(-1)
                }
            }
        }
        threads.forEach { $0.start() }
        while used.count + refused.count < 8 { usleep(10_000) }
        #expect(used.values == [1])
        #expect(refused.values == Array(repeating: 1, count: 7))
    }

    @Test func aReplayedPurchaseChangesNothing() throws {
        let f = try LedgerFixture()
        _ = try f.rewards(tenOff)
        let card = try f.card(points: 250)
        let first = try f.buy(card, "TEN-OFF", key: "buy-1")
        let counts = (
            try f.count("ledger_entries"), try f.count("notices"), try f.rewardCount("coupons"), try f.rewardCount("sold")
        )
        let replay = try f.buy(card, "TEN-OFF", key: "buy-1")
        // The stored answer, as JSON keeps it (dates to the millisecond).
        #expect(replay.couponCode == first.couponCode)
        #expect(replay.voucherNumber == first.voucherNumber)
        #expect(replay.balance == first.balance)
        #expect(abs(replay.validUntil.timeIntervalSince(first.validUntil)) < 0.001)
        #expect(
            (try f.count("ledger_entries"), try f.count("notices"), try f.rewardCount("coupons"), try f.rewardCount("sold"))
                == counts)
        #expect(try f.balance(of: card).available == 150)
        // The same key for another purchase is a conflict.
        let other = try f.card(points: 100)
        #expect(f.failure { try f.buy(other, "TEN-OFF", key: "buy-1") }?.code == .idempotencyConflict)
        try f.checkInvariants()
    }

    @Test func aMistypedCodeIsCaughtByItsCheckCharacter() throws {
        let f = try LedgerFixture()
        _ = try f.rewards(tenOff)
        let card = try f.card(points: 100)
        let printed = try f.buy(card, "TEN-OFF").couponCode
        let code = try CouponCode.parse(printed, field: "coupon_code")
        #expect(code.description == printed)
        #expect(try CouponCode.parse(printed.lowercased().replacingOccurrences(of: "-", with: " "), field: "c") == code)
        let characters = Array(code.value)
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        var caught = 0
        for index in characters.indices {
            for other in alphabet where other != characters[index] {
                var typo = characters
                typo[index] = other
                #expect(throws: FunctionError.self) { try CouponCode.parse(String(typo), field: "coupon_code") }
                caught += 1
            }
        }
        #expect(caught == 16 * 31)
        for index in characters.indices.dropLast() where characters[index] != characters[index + 1] {
            var swapped = characters
            swapped.swapAt(index, index + 1)
            if Set([characters[index], characters[index + 1]]) != ["0", "Z"] {
                #expect(throws: FunctionError.self) { try CouponCode.parse(String(swapped), field: "coupon_code") }
            }
        }
        // At the till: the typo is refused before the database is asked, naming the field.
        var typo = characters
        typo[3] = typo[3] == "A" ? "B" : "A"
        let refusal = f.failure {
            try f.rewards(#"{"kind":"validate_coupon","coupon_code":"\#(String(typo))","order_amount":"20.00"}"#)
        }
        #expect(refusal?.code == .invalidCouponCode)
        #expect(refusal?.field == "coupon_code")
        #expect(refusal?.kind == .badInput)
    }

    @Test func badInputNamesTheFieldAndChangesNothing() throws {
        let f = try LedgerFixture()
        _ = try f.rewards(tenOff)
        let card = try f.card(points: 500)
        let before = (try f.count("ledger_entries"), try f.rewardCount("coupons"))
        let cases: [(String, String)] = [
            (#"{"kind":"reward","code":"X","name":"x","type":"bogus","price_points":1,"valid_days":1}"#, "type"),
            (#"{"kind":"reward","code":"X","name":"x","type":"percent_off","price_points":1,"valid_days":1}"#, "percent"),
            (
                #"{"kind":"reward","code":"X","name":"x","type":"amount_off","amount":"1.001","price_points":1,"valid_days":1}"#,
                "amount"
            ),
            (
                #"{"kind":"reward","code":"X","name":"x","type":"amount_off","amount":"1","price_points":0,"valid_days":1}"#,
                "price_points"
            ),
            (#"{"kind":"reward","code":"X","name":"x","type":"amount_off","amount":"1","price_points":1}"#, "valid_days"),
            (
                #"{"kind":"reward","code":"a b","name":"x","type":"amount_off","amount":"1","price_points":1,"valid_days":1}"#,
                "code"
            ),
            (#"{"kind":"buy_reward","card_number":"\#(card)","code":"TEN-OFF"}"#, "idempotency_key"),
            (#"{"kind":"buy_reward","idempotency_key":"b","code":"TEN-OFF"}"#, "card_number"),
            (#"{"kind":"use_coupon","coupon_code":"0000-0000-0000-0000","order_amount":"10"}"#, "order_number"),
            (
                #"{"kind":"use_coupon","coupon_code":"0000-0000-0000-0000","order_number":"O","order_amount":"-1"}"#,
                "order_amount"
            ),
            (#"{"kind":"validate_coupon","coupon_code":"XYZ","order_amount":"1"}"#, "coupon_code"),
            (#"{"kind":"coupon_rules","expiring_notice_days":400}"#, "expiring_notice_days"),
            (
                #"{"kind":"reward","code":"X","name":"x","type":"amount_off","amount":"1","price_points":1,"valid_days":1,"colour":"red"}"#,
                "colour"
            ),
        ]
        for (event, field) in cases {
            let refusal = f.failure { try f.rewards(event) }
            #expect(refusal?.kind == .badInput, "\(event)")
            #expect(refusal?.field == field, "\(event): \(refusal?.message ?? "no error")")
        }
        #expect((try f.count("ledger_entries"), try f.rewardCount("coupons")) == before)
        // As a process: exit 65, the error on stderr naming the field.
        let outcome = try FunctionProcess.run(
            "rewards",
            input: f.json(#"{"kind":"buy_reward","card_number":"\#(card)","code":"TEN-OFF"}"#))
        #expect(outcome.exitCode == 65)
        #expect(outcome.error?["field"] as? String == "idempotency_key")
    }

    @Test func aCouponKeepsTheTermsItWasBoughtUnder() throws {
        let f = try LedgerFixture()
        let v1 = try #require(try f.rewards(tenOff).reward)
        #expect(v1.version == 1)
        #expect(try f.rewards(tenOff).reward?.version == 1, "the same terms again are no new version")
        let card = try f.card(points: 300)
        let old = try f.buy(card, "TEN-OFF")
        let v2 = try f.rewards(tenOff.replacingOccurrences(of: #""amount":"10.00""#, with: #""amount":"15.00""#))
        #expect(v2.reward?.version == 2)
        #expect(v2.reward?.sold == 1)
        let new = try f.buy(card, "TEN-OFF")
        #expect(new.version == 2)
        func discount(_ coupon: String) throws -> Decimal? {
            try f.rewards(#"{"kind":"validate_coupon","coupon_code":"\#(coupon)","order_amount":"50.00"}"#).coupon?.discount
        }
        #expect(try discount(old.couponCode) == 10)
        #expect(try discount(new.couponCode) == 15)
        #expect(try f.balance(of: card).available == 100)
    }

    @Test func discountsFollowTheTermsAndSayWhyNot() throws {
        let f = try LedgerFixture()
        _ = try f.rewards(
            #"{"kind":"reward","code":"PCT","name":"20% off","type":"percent_off","percent":20,"max_discount":"15.00","min_order_amount":"30","price_points":50,"valid_days":30}"#
        )
        _ = try f.rewards(
            #"{"kind":"reward","code":"FREE","name":"A free coffee","type":"free_product","sku":"COFFEE","price_points":50,"valid_days":30}"#
        )
        let card = try f.card(points: 100)
        let pct = try f.buy(card, "PCT").couponCode
        let free = try f.buy(card, "FREE").couponCode
        func check(_ coupon: String, _ order: String) throws -> CouponResult {
            try #require(
                try f.rewards(#"{"kind":"validate_coupon","coupon_code":"\#(coupon)",\#(order)}"#).coupon)
        }
        #expect(try check(pct, #""order_amount":"50.00""#).discount == 10)
        #expect(try check(pct, #""order_amount":"99.99""#).discount == 15, "capped at max_discount")
        #expect(try check(pct, #""order_amount":"33.33""#).discount == Decimal(string: "6.66"), "cut to cents, never up")
        let small = try check(pct, #""order_amount":"29.99""#)
        #expect(small.applies == false)
        #expect(small.reason == "below_min_order")
        let coffee = try check(free, #""order_amount":"12.00","lines":[{"sku":"COFFEE","quantity":3,"amount":"7.50"}]"#)
        #expect(coffee.discount == Decimal(string: "2.5"))
        #expect(
            try check(free, #""order_amount":"12.00","lines":[{"sku":"TEA","quantity":1,"amount":"3"}]"#).reason
                == "sku_not_in_order")
        let refusal = f.failure {
            try f.rewards(#"{"kind":"use_coupon","coupon_code":"\#(pct)","order_number":"S-1","order_amount":"10.00"}"#)
        }
        #expect(refusal?.code == .couponNotApplicable)
    }

    @Test func aCancelledOrderRestoresTheCoupon() throws {
        let f = try LedgerFixture()
        _ = try f.rewards(tenOff)
        let card = try f.card(points: 100)
        let coupon = try f.buy(card, "TEN-OFF").couponCode
        let use = #"{"kind":"use_coupon","coupon_code":"\#(coupon)","order_number":"C-1","order_amount":"40.00"}"#
        _ = try f.rewards(use)
        #expect(
            f.failure { try f.rewards(#"{"kind":"restore_coupon","coupon_code":"\#(coupon)","order_number":"C-2"}"#) }?.code
                == .couponNotUsed)
        let restored = try f.rewards(#"{"kind":"restore_coupon","coupon_code":"\#(coupon)","order_number":"C-1"}"#)
        #expect(restored.coupon?.status == .active)
        // A repeated restore answers the same; the coupon is used again on the next order.
        #expect(
            try f.rewards(#"{"kind":"restore_coupon","coupon_code":"\#(coupon)","order_number":"C-1"}"#).coupon?.status == .active
        )
        #expect(
            try f.rewards(#"{"kind":"use_coupon","coupon_code":"\#(coupon)","order_number":"C-3","order_amount":"40.00"}"#)
                .coupon?.orderNumber == "C-3")
        #expect(try f.rewardCount("coupon_events") == 4)
    }

    @Test func anExpiredCouponIsRefundedIntoItsLotsWhenTheProgrammeSaysSo() throws {
        var settings = LedgerFixture.Settings()
        settings.expiry = "rolling"
        settings.expiryDays = 365
        let f = try LedgerFixture(settings)
        _ = try f.rewards(#"{"kind":"coupon_rules","refund_expired":true,"expiring_notice_days":5}"#)
        _ = try f.rewards(tenOff.replacingOccurrences(of: #""valid_days":30"#, with: #""valid_days":7"#))
        let card = try f.card()
        _ = try f.accrue(invoice(card, "OLD", amount: "60.00", date: Date().addingTimeInterval(-86_400)))
        _ = try f.accrue(invoice(card, "NEW", amount: "80.00"))
        let bought = try f.buy(card, "TEN-OFF")
        #expect(try f.balance(of: card).available == 40)
        // Soonest-expiring first: all of the older lot, 40 of the newer.
        let drawn = try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT l.points, -d.points AS drawn FROM lot_draws d JOIN lots l ON l.id = d.lot_id
                JOIN ledger_entries e ON e.id = d.entry_id WHERE e.voucher_number = \(bought.voucherNumber) ORDER BY l.id
                """
            ).map { [try $0.decode("points", as: Int64.self), try $0.decode("drawn", as: Int64.self)] }
        }
        #expect(drawn == [[60, 60], [80, 40]])
        let soon = Date().addingTimeInterval(3 * 86_400)
        #expect(try f.rewards(#"{"kind":"sweep"}"#, now: soon).sweep?.noticesWritten == 1)
        #expect(try f.rewards(#"{"kind":"sweep"}"#, now: soon).sweep?.noticesWritten == 0)
        let later = Date().addingTimeInterval(8 * 86_400)
        let swept = try #require(try f.rewards(#"{"kind":"sweep"}"#, now: later).sweep)
        #expect(swept.refunded == 1)
        #expect(swept.pointsRefunded == 100)
        #expect(try f.rewards(#"{"kind":"sweep"}"#, now: later).sweep?.expired == 0)
        #expect(try f.balance(of: card).available == 140)
        let lots = try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT l.remaining FROM lots l JOIN cards c ON c.customer_id = l.customer_id
                WHERE c.number = \(card) ORDER BY l.id
                """
            ).map { try $0.decode("remaining", as: Int64.self) }
        }
        #expect(lots == [60, 80])
        let listed = try f.rewards(#"{"kind":"coupons","card_number":"\#(card)"}"#).coupons?.coupons
        #expect(listed?.map(\.status) == [.refunded])
        #expect(
            f.failure {
                try f.rewards(
                    #"{"kind":"use_coupon","coupon_code":"\#(bought.couponCode)","order_number":"L","order_amount":"20"}"#)
            }?.code == .couponExpired)
        try f.checkInvariants()
    }

    @Test func stockLimitsAndPartnerCodes() throws {
        let f = try LedgerFixture()
        _ = try f.rewards(
            #"{"kind":"reward","code":"CINEMA","name":"Cinema ticket","type":"voucher","price_points":10,"valid_days":30,"per_customer":1}"#
        )
        let upload = try f.rewards(#"{"kind":"reward_codes","code":"CINEMA","codes":["CIN-1","CIN-2","CIN-1"]}"#)
        #expect(upload.reward?.codesLeft == 2)
        let a = try f.card(points: 100)
        let b = try f.card(points: 100)
        let c = try f.card(points: 100)
        #expect(try f.buy(a, "CINEMA").partnerCode == "CIN-1")
        #expect(f.failure { try f.buy(a, "CINEMA") }?.code == .rewardLimitReached)
        #expect(try f.buy(b, "CINEMA").partnerCode == "CIN-2")
        #expect(f.failure { try f.buy(c, "CINEMA") }?.code == .rewardSoldOut)
        let poor = try f.card(points: 5)
        #expect(f.failure { try f.buy(poor, "CINEMA") }?.code == .insufficientPoints)
        #expect(f.failure { try f.buy(a, "NOPE") }?.code == .rewardNotFound)
        #expect(try f.balance(of: c).available == 100)
        try f.checkInvariants()
    }

    @Test func aStockSetOnALaterVersionCountsWhatWasSold() throws {
        let f = try LedgerFixture()
        _ = try f.rewards(tenOff)
        let card = try f.card(points: 1000)
        _ = try f.buy(card, "TEN-OFF")
        _ = try f.buy(card, "TEN-OFF")
        #expect(try f.rewards(tenOff).reward?.sold == 2, "unlimited stock counts its coupons")
        let limited = try #require(
            try f.rewards(tenOff.replacingOccurrences(of: #""valid_days":30"#, with: #""valid_days":30,"stock_total":3"#))
                .reward)
        #expect(limited.sold == 2)
        #expect(limited.stockLeft == 1)
        _ = try f.buy(card, "TEN-OFF")
        #expect(f.failure { try f.buy(card, "TEN-OFF") }?.code == .rewardSoldOut)
        #expect(
            f.failure {
                try f.rewards(tenOff.replacingOccurrences(of: #""valid_days":30"#, with: #""valid_days":30,"stock_total":2"#))
            }?
            .field == "stock_total")
        #expect(try f.balance(of: card).available == 700)
        try f.checkInvariants()
    }

    @Test func aPerCustomerDailyLimitHoldsUnderARace() throws {
        let f = try LedgerFixture()
        _ = try f.rewards(
            #"{"kind":"reward","code":"DAILY","name":"Two a day","type":"amount_off","amount":"1","price_points":10,"valid_days":5,"per_customer":2,"per_customer_period":"day"}"#
        )
        let card = try f.card(points: 1000)
        let won = LockedResults()
        let refused = LockedResults()
        let threads = (0..<10).map { _ in
            Thread {
                do {
                    let database = try TestDatabase.make()
                    defer { database.close() }
                    _ = try f.buy(card, "DAILY", on: database)
                    won.add(1)
                } catch let error as FunctionError where error.code == .rewardLimitReached {
                    refused.add(1)
                } catch {
                    refused.add(-1)
                }
            }
        }
        threads.forEach { $0.start() }
        while won.count + refused.count < 10 { usleep(10_000) }
        #expect(won.count == 2)
        #expect(refused.values == Array(repeating: 1, count: 8))
        #expect(try f.balance(of: card).available == 980)
        // The next day counts afresh.
        let tomorrow = Date().addingTimeInterval(86_400)
        let next = try f.rewards(
            #"{"kind":"buy_reward","idempotency_key":"next-day","card_number":"\#(card)","code":"DAILY"}"#, now: tomorrow)
        #expect(next.purchase?.points == 10)
        #expect(
            f.failure {
                try f.rewards(
                    #"{"kind":"reward","code":"D2","name":"x","type":"amount_off","amount":"1","price_points":1,"valid_days":1,"per_customer":1,"per_customer_period":"year"}"#
                )
            }?.field == "per_customer_period")
        try f.checkInvariants()
    }
}
