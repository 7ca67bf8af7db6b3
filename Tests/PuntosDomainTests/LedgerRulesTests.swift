import Foundation
import PuntosAlerts
import PuntosCards
import PuntosCore
import PuntosDelivery
import PuntosLedger
import PuntosRuntime
import Testing

@Suite struct LedgerRulesTests {
    @Test func roundingIsExactAndExplicit() {
        #expect(Rounding.down.points(Decimal(string: "12.99")!) == 12)
        #expect(Rounding.up.points(Decimal(string: "12.01")!) == 13)
        #expect(Rounding.up.points(Decimal(string: "12.00")!) == 12)
        #expect(Rounding.halfUp.points(Decimal(string: "12.5")!) == 13)
        #expect(Rounding.halfUp.points(Decimal(string: "12.49")!) == 12)
        #expect(Rounding.down.points(-3) == 0)
    }

    @Test func nothingIsEarnedOnThePartPaidWithPoints() {
        let rules = EarningRules(pointsPerUnit: 1, rounding: .down)
        let line = InvoiceLine(sku: "A", quantity: 1, amount: 300, paidWithPoints: 20)
        #expect(rules.earn(line, segment: nil, channel: "online").points == 280)
        let allPoints = InvoiceLine(sku: "A", quantity: 1, amount: 30, paidWithPoints: 30)
        #expect(rules.earn(allPoints, segment: nil, channel: "online").points == 0)
    }

    @Test func promotionsMultiplyAndAddPerBrandSegmentAndChannel() {
        let rules = EarningRules(
            pointsPerUnit: Decimal(string: "0.1")!, rounding: .down,
            promotions: [
                Promotion(code: "BOSCO-X3", target: "brand", value: "Bosco", multiplier: 3),
                Promotion(code: "VIP", target: "segment", value: "vip", multiplier: 2),
                Promotion(code: "WEB", target: "channel", value: "online", bonusPerUnit: 5),
            ])
        let drill = InvoiceLine(sku: "D", brand: "Bosco", quantity: 2, amount: Decimal(string: "199.90")!)
        // 199.90 × 0.1 × 3 = 59.97 → 59; online adds 5 × 2.
        #expect(rules.earn(drill, segment: nil, channel: "offline") == LineEarning(points: 59, promotions: ["BOSCO-X3"]))
        #expect(rules.earn(drill, segment: nil, channel: "online").points == 69)
        #expect(
            rules.earn(drill, segment: "vip", channel: "offline") == LineEarning(points: 119, promotions: ["BOSCO-X3", "VIP"]))
        let other = InvoiceLine(sku: "S", brand: "Other", quantity: 1, amount: 100)
        #expect(rules.earn(other, segment: nil, channel: "offline").points == 10)
    }

    @Test func spendingTakesTheSoonestExpiringLotsFirst() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let lots = [
            SpendableLot(id: 1, remaining: 100, expiresAt: nil),
            SpendableLot(id: 2, remaining: 50, expiresAt: now.addingTimeInterval(86_400 * 30)),
            SpendableLot(id: 3, remaining: 70, expiresAt: now.addingTimeInterval(86_400)),
        ]
        let take = LotPlan.take(130, from: lots)
        #expect(take.draws == [LotDraw(lotId: 3, points: -70), LotDraw(lotId: 2, points: -50), LotDraw(lotId: 1, points: -10)])
        #expect(take.shortfall == 0)
        #expect(LotPlan.take(300, from: lots).shortfall == 80)
        // What a partly committed hold gives back comes from the latest-expiring lots.
        let drawn = [
            SpendableLot(id: 3, remaining: 70, expiresAt: now.addingTimeInterval(86_400)),
            SpendableLot(id: 1, remaining: 10, expiresAt: nil),
        ]
        #expect(LotPlan.giveBack(30, drawn: drawn) == [LotDraw(lotId: 1, points: 10), LotDraw(lotId: 3, points: 20)])
    }

    @Test func aReturnTakesPendingFirstThenAvailableThenFollowsThePolicy() {
        let pending = [SpendableLot(id: 9, remaining: 40, expiresAt: nil), SpendableLot(id: 5, remaining: 30, expiresAt: nil)]
        let available = [SpendableLot(id: 1, remaining: 20, expiresAt: nil)]
        let plan = ReturnPlan.make(points: 100, ownLotId: 5, pending: pending, available: available, allowNegative: false)
        #expect(plan.fromPending == [LotDraw(lotId: 5, points: -30), LotDraw(lotId: 9, points: -40)])
        #expect(plan.fromAvailable == [LotDraw(lotId: 1, points: -20)])
        #expect(plan.uncollected == 10)
        #expect(plan.negative == 0)
        let negative = ReturnPlan.make(points: 100, ownLotId: 5, pending: pending, available: available, allowNegative: true)
        #expect(negative.negative == 10)
        #expect(negative.availablePoints == 30)
        #expect(negative.pendingPoints == 70)
    }

    @Test func partialReturnsAddUpToTheWholeLine() {
        var total: Int64 = 0
        var returned = 0
        for units in [1, 2, 4] {
            total += ReturnPlan.linePoints(points: 100, quantity: 7, returnedBefore: returned, returnedAfter: returned + units)
            returned += units
        }
        #expect(total == 100)
    }

    @Test func redemptionLimits() throws {
        // Implosa: 100 points = $1, minimum 500.
        let implosa = RedemptionPolicy(minimum: 500, pointValue: Decimal(string: "0.01")!, maxOrderShare: 1)
        #expect(implosa.value(1500) == 15)
        #expect(throws: FunctionError.refused(.belowMinimum, field: "points", "at least 500 points must be redeemed at once")) {
            try implosa.check(points: 499, orderAmount: 100, available: 1500)
        }
        // Rigla: at most half the order.
        let rigla = RedemptionPolicy(minimum: 1, pointValue: 1, maxOrderShare: Decimal(string: "0.5")!)
        #expect(rigla.maxPoints(orderAmount: Decimal(string: "99.99")!) == 49)
        #expect((try? rigla.check(points: 49, orderAmount: Decimal(string: "99.99")!, available: 100)) != nil)
        do {
            try rigla.check(points: 50, orderAmount: Decimal(string: "99.99")!, available: 100)
            Issue.record("expected exceeds_order_share")
        } catch let error as FunctionError {
            #expect(error.code == .exceedsOrderShare)
        }
        do {
            try rigla.check(points: 40, orderAmount: 100, available: 39)
            Issue.record("expected insufficient_points")
        } catch let error as FunctionError {
            #expect(error.code == .insufficientPoints)
        }
    }

    @Test func eventsRejectUnknownKeysAndKinds() throws {
        #expect(throws: FunctionError.self) {
            try EventDecoding.decode(AccrueEvent.self, from: Data(#"{"kind":"invoice","nmber":"X"}"#.utf8))
        }
        do {
            _ = try EventDecoding.decode(RedeemEvent.self, from: Data(#"{"kind":"spend"}"#.utf8))
        } catch {
            #expect(error.code == .unknownKind)
        }
    }
}
