import Foundation
import PuntosCore
import PuntosLedger
import PuntosRuntime
import Testing

/// The ledger's decisions, without a database: each is what a handler decides between reading and
/// writing.
@Suite struct LedgerDecisionTests {
    let day = Date(timeIntervalSince1970: 1_767_225_600)

    func invoice(
        agreementRequired: Bool = false, agreementFrom: Date? = nil, regions: [String]? = nil, region: String? = nil,
        channel: String = "online", moderation: Bool = false
    ) -> InvoiceDecision {
        InvoiceDecision(
            agreementRequired: agreementRequired, agreementFrom: agreementFrom, invoicedAt: day, regions: regions,
            region: region, channels: ["online", "offline"], channel: channel, moderation: moderation)
    }

    @Test func anInvoiceAccruesUnlessARuleSaysOtherwise() {
        #expect(invoice() == InvoiceDecision(status: .accrued))
        #expect(invoice(moderation: true) == InvoiceDecision(status: .pendingModeration))
        #expect(invoice(agreementRequired: true) == InvoiceDecision(status: .notEligible, reason: "no_agreement"))
        #expect(
            invoice(agreementRequired: true, agreementFrom: day.addingTimeInterval(1))
                == InvoiceDecision(status: .notEligible, reason: "no_agreement"))
        #expect(invoice(agreementRequired: true, agreementFrom: day) == InvoiceDecision(status: .accrued))
        #expect(invoice(regions: ["north"], region: "south") == InvoiceDecision(status: .notEligible, reason: "region_disabled"))
        #expect(invoice(regions: ["north"]) == InvoiceDecision(status: .notEligible, reason: "region_disabled"))
        #expect(invoice(regions: ["north"], region: "north") == InvoiceDecision(status: .accrued))
        let offlineOnly = InvoiceDecision(
            agreementRequired: false, agreementFrom: nil, invoicedAt: day, regions: nil, region: nil,
            channels: ["offline"], channel: "online", moderation: true)
        #expect(offlineOnly == InvoiceDecision(status: .notEligible, reason: "channel_disabled"))
    }

    @Test func aCommitSpendsAtMostTheHoldAndAtLeastTheMinimum() throws {
        let policy = RedemptionPolicy(minimum: 10, pointValue: 1, maxOrderShare: Decimal(string: "0.5")!)
        #expect(try HoldDecision.commitPoints(requested: nil, orderAmount: nil, held: 40, policy: policy) == 40)
        #expect(try HoldDecision.commitPoints(requested: 25, orderAmount: nil, held: 40, policy: policy) == 25)
        #expect(try HoldDecision.commitPoints(requested: nil, orderAmount: 60, held: 40, policy: policy) == 30)
        let over = refusal { _ = try HoldDecision.commitPoints(requested: 41, orderAmount: nil, held: 40, policy: policy) }
        #expect(over?.code == .exceedsHold)
        let under = refusal { _ = try HoldDecision.commitPoints(requested: nil, orderAmount: 10, held: 40, policy: policy) }
        #expect(under?.code == .belowMinimum)
    }

    @Test func onlyAnOpenHoldInTimeMayBeCommitted() throws {
        try HoldDecision.requireOpen(status: .open, expiresAt: day.addingTimeInterval(60), now: day)
        let late = refusal { try HoldDecision.requireOpen(status: .open, expiresAt: day, now: day) }
        #expect(late?.code == .holdTimedOut)
        let released = refusal { try HoldDecision.requireOpen(status: .released, expiresAt: day, now: day) }
        #expect(released?.code == .holdReleased)
        let timedOut = refusal { try HoldDecision.requireOpen(status: .timedOut, expiresAt: day, now: day) }
        #expect(timedOut?.code == .holdTimedOut)
        #expect(timedOut?.message == "the hold is timed out")
        #expect(FunctionError.Code.holdIs(.committed) == .holdCommitted)
    }

    func stored(_ quantity: Int, points: Int64, returned: Int = 0) -> StoredLine {
        var line = StoredLine(
            line: InvoiceLine(sku: "A", quantity: quantity, amount: 10, paidWithPoints: 0),
            earning: LineEarning(points: points, promotions: []))
        line.returned = returned
        return line
    }

    @Test func aReturnTakesBackWhatTheReturnedUnitsEarned() throws {
        var lines = [stored(3, points: 100), stored(1, points: 7)]
        #expect(try LineReturn.mark(&lines, requested: [(line: 0, quantity: 1)]) == 33)
        #expect(lines[0].returned == 1)
        // Everything not yet returned: the rest of line 0 (67, so all 100 come back) and line 1.
        #expect(try LineReturn.mark(&lines, requested: nil) == 74)
        #expect(lines.map(\.returned) == [3, 1])
        var again = [stored(2, points: 10, returned: 2)]
        let none = refusal { _ = try LineReturn.mark(&again, requested: [(line: 0, quantity: 1)]) }
        #expect(none?.field == "lines[0].quantity")
        let missing = refusal { _ = try LineReturn.mark(&again, requested: [(line: 3, quantity: 1)]) }
        #expect(missing?.field == "lines[0].line")
    }

    @Test func aStoredLineIsOneFlatObject() throws {
        let line = stored(2, points: 12, returned: 1)
        let object = try JSONSerialization.jsonObject(with: JSONCoding.encode(line)) as? [String: Any]
        #expect(
            Set(object?.keys.map { $0 } ?? []) == [
                "sku", "quantity", "amount", "paid_with_points", "points", "promotions", "returned",
            ])
        let back = try JSONCoding.decoder().decode(StoredLine.self, from: JSONCoding.encode(line))
        #expect(back == line)
    }

    @Test func settingsAreCheckedBeforeAnythingIsWritten() {
        func settings(_ json: String) -> FunctionError? {
            refusal {
                let event = try JSONCoding.decoder().decode(ConfigureEvent.Settings.self, from: Data(json.utf8))
                _ = try SettingsValidation.check(event)
            }
        }
        #expect(settings(#"{"kind":"settings","expiry":"rolling","expiry_days":30}"#) == nil)
        #expect(settings(#"{"kind":"settings","expiry":"monthly"}"#)?.field == "expiry")
        #expect(settings(#"{"kind":"settings","expiry":"rolling"}"#)?.field == "expiry_days")
        #expect(settings(#"{"kind":"settings","min_redemption":100000001}"#)?.message == "min_redemption must be 0 to 100000000")
        #expect(settings(#"{"kind":"settings","point_value":0.0000001}"#)?.message == "point_value must have at most 6 decimals")
    }
}
