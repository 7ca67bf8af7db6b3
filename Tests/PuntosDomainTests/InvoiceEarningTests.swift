import Foundation
import PuntosLedger
import PuntosRuntime
import Testing

/// What an invoice earns as a whole: the rounding basis and each line's channel (issue 15, items 9 and 11).
@Suite struct InvoiceEarningTests {
    let implosa = [
        InvoiceLine(sku: "TV-32", quantity: 1, amount: Decimal(string: "150.99")!, channel: "offline"),
        InvoiceLine(sku: "HDMI-2M", quantity: 1, amount: Decimal(string: "49.99")!, channel: "offline"),
    ]

    /// Implosa, 1 point per $1: $150.99 + $49.99 is 200.98, so 200 points rounded once, 199 rounded per line.
    @Test func theInvoiceBasisRoundsTheTotalOnceAndTheLineBasisEachLine() {
        let invoice = EarningRules(pointsPerUnit: 1, rounding: .down, roundingBasis: .invoice)
        let total = invoice.earn(implosa, segment: nil, channels: ["online", "offline"])
        #expect(total.points == 200)
        // Each line's share is what it adds to the rounded running total: 150, then 200 - 150.
        #expect(total.lines.map(\.points) == [150, 50])
        let line = EarningRules(pointsPerUnit: 1, rounding: .down, roundingBasis: .line)
        let perLine = line.earn(implosa, segment: nil, channels: ["online", "offline"])
        #expect(perLine.points == 199)
        #expect(perLine.lines.map(\.points) == [150, 49])
        // Half-up and up round the total too: 200.98 is 201 either way; per line 151 + 50.
        #expect(
            EarningRules(pointsPerUnit: 1, rounding: .halfUp).earn(implosa, segment: nil, channels: ["offline"]).points == 201)
        #expect(
            EarningRules(pointsPerUnit: 1, rounding: .up, roundingBasis: .line).earn(
                implosa, segment: nil, channels: ["offline"]
            ).points == 201)
    }

    /// The shares add up to the total, so returning every line takes back exactly what was earned.
    @Test func returningEveryLineTakesBackTheInvoiceTotal() throws {
        let rules = EarningRules(pointsPerUnit: Decimal(string: "0.7")!, rounding: .down)
        let cart = (1...7).map {
            InvoiceLine(sku: "S\($0)", quantity: $0, amount: Decimal(string: "\($0 * 3).33")!, channel: "offline")
        }
        let earning = rules.earn(cart, segment: nil, channels: ["offline"])
        // 0.7 × (3.33 + 6.33 + … + 21.33) = 0.7 × 86.31 = 60.417 → 60.
        #expect(earning.points == 60)
        var lines = zip(cart, earning.lines).map { StoredLine(line: $0, earning: $1) }
        var taken: Int64 = 0
        // Line by line from the last, a unit first and then the rest of the line.
        for index in lines.indices.reversed() {
            taken += try LineReturn.mark(&lines, requested: [(line: index, quantity: 1)])
            if index > 0 { taken += try LineReturn.mark(&lines, requested: [(line: index, quantity: index)]) }
        }
        #expect(taken == 60)
    }

    /// ONe: the order number on a line makes it online; a channel promotion and the programme's
    /// channels apply line by line.
    @Test func eachLineEarnsInItsOwnChannel() throws {
        let lines = try LineValidation.lines(
            [
                InvoiceLine(sku: "SZ-100", quantity: 2, amount: 100, orderNumber: "WEB-2026-00417"),
                InvoiceLine(sku: "SZ-200", quantity: 1, amount: 50),
                InvoiceLine(sku: "SZ-300", quantity: 1, amount: 10, channel: "online"),
            ], channel: "offline")
        #expect(lines.map(\.channel) == ["online", "offline", "online"])
        #expect(LineValidation.invoiceChannel(lines, default: "offline") == "mixed")
        #expect(LineValidation.invoiceChannel(Array(lines.dropFirst().prefix(1)), default: "online") == "offline")
        let rules = EarningRules(
            pointsPerUnit: 1, rounding: .down,
            promotions: [Promotion(code: "WEB-X2", target: "channel", value: "online", multiplier: 2)])
        let both = rules.earn(lines, segment: nil, channels: ["online", "offline"])
        #expect(both.lines.map(\.points) == [200, 50, 20])
        #expect(both.lines.map(\.promotions) == [["WEB-X2"], [], ["WEB-X2"]])
        let offlineOnly = rules.earn(lines, segment: nil, channels: ["offline"])
        #expect(offlineOnly.points == 50)
        #expect(offlineOnly.lines.map(\.reason) == ["channel_disabled", nil, "channel_disabled"])
        let bad = refusal {
            _ = try LineValidation.lines([InvoiceLine(sku: "A", quantity: 1, amount: 1, channel: "web")], channel: "online")
        }
        #expect(bad?.field == "lines[0].channel")
        #expect(bad?.exitCode == 65)
    }
}
