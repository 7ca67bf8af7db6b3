import Foundation
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import Testing

/// The rounding basis (Implosa) and the channel of each invoice line (ONe): issue 15, items 9 and 11.
@Suite struct InvoiceLineRulesTests {
    func configure(_ f: LedgerFixture, _ body: String) throws -> ConfigureResult {
        try Configure().handle(try EventDecoding.decode(ConfigureEvent.self, from: f.json(body)), context: f.context())
    }

    /// Implosa's receipt: a $150.99 television and a $49.99 cable, 1 point per $1.
    func implosaInvoice(_ card: String, _ number: String) -> String {
        #"{"kind":"invoice","card_number":"\#(card)","number":"\#(number)","date":"\#(Timestamp.format(Date()))","currency":"USD","lines":[{"sku":"TV-32","quantity":1,"amount":150.99},{"sku":"HDMI-2M","quantity":1,"amount":49.99}]}"#
    }

    /// The `rule` the accrual entry of an invoice recorded.
    func accrualRule(_ f: LedgerFixture, _ number: String) throws -> String {
        try f.database.withConnection {
            try $0.query(
                """
                SELECT rule::text AS r FROM ledger_entries
                WHERE programme_id = \(f.programme) AND invoice_number = \(number) AND kind = 'accrual'
                """
            ).one().decode("r")
        }
    }

    func returned(_ f: LedgerFixture, _ returnNumber: String, _ invoice: String, lines: String? = nil) throws -> AccrueResult {
        let linesField = lines.map { #","lines":\#($0)"# } ?? ""
        return try f.accrue(
            #"{"kind":"return","return_number":"\#(returnNumber)","invoice_number":"\#(invoice)"\#(linesField)}"#)
    }

    @Test func implosaEarns200OnTheInvoiceBasisAndReturnsTakeBackExactly200() throws {
        var settings = LedgerFixture.Settings()
        settings.minRedemption = 500
        let f = try LedgerFixture(settings)
        let card = try f.card()
        let earned = try f.accrue(implosaInvoice(card, "F-001-0101"))
        #expect(earned.points == 200)
        #expect(earned.lines?.map(\.points) == [150, 50])
        #expect(try accrualRule(f, "F-001-0101").contains(#""rounding_basis": "invoice""#))
        let forecast = try f.balance(
            #"{"kind":"forecast","lines":[{"sku":"TV-32","quantity":1,"amount":150.99},{"sku":"HDMI-2M","quantity":1,"amount":49.99}]}"#
        )
        #expect(forecast.forecast?.points == 200)
        // The cable comes back: its share of the rounded total, 50; then the television, 150.
        #expect(try returned(f, "DEV-1", "F-001-0101", lines: #"[{"line":1,"quantity":1}]"#).points == -50)
        let rest = try returned(f, "DEV-2", "F-001-0101")
        #expect(rest.points == -150)
        #expect(rest.balance.available == 0)
        try f.checkInvariants()
    }

    @Test func onTheLineBasisEachLineRoundsAndAFullReturnTakesBack199() throws {
        let f = try LedgerFixture()
        let card = try f.card()
        // An invoice earned on the invoice basis keeps its shares after the programme changes basis.
        #expect(try f.accrue(implosaInvoice(card, "F-001-0200")).points == 200)
        let set = try configure(f, #"{"kind":"settings","rounding_basis":"line"}"#)
        #expect(set.roundingBasis == "line")
        let earned = try f.accrue(implosaInvoice(card, "F-001-0201"))
        #expect(earned.points == 199)
        #expect(earned.lines?.map(\.points) == [150, 49])
        #expect(try accrualRule(f, "F-001-0201").contains(#""rounding_basis": "line""#))
        #expect(try returned(f, "DEV-3", "F-001-0201").points == -199)
        let earlier = try returned(f, "DEV-4", "F-001-0200")
        #expect(earlier.points == -200)
        #expect(earlier.balance.available == 0)
        let bad = f.failure { try configure(f, #"{"kind":"settings","rounding_basis":"total"}"#) }
        #expect(bad?.field == "rounding_basis")
        #expect(bad?.exitCode == 65)
        #expect(try configure(f, #"{"kind":"settings"}"#).roundingBasis == "line")
        try f.checkInvariants()
    }

    /// Partial returns of units on the invoice basis add up to the invoice's points.
    @Test func unitByUnitReturnsAddUpToWhatWasEarned() throws {
        let f = try LedgerFixture()
        let card = try f.card()
        let earned = try f.accrue(
            #"{"kind":"invoice","card_number":"\#(card)","number":"F-3","date":"\#(Timestamp.format(Date()))","currency":"USD","lines":[{"sku":"INK","quantity":3,"amount":100.99},{"sku":"PAPER","quantity":1,"amount":49.99}]}"#
        )
        // 100.99 + 49.99 = 150.98 → 150: shares 100 and 50.
        #expect(earned.lines?.map(\.points) == [100, 50])
        #expect(try returned(f, "R-1", "F-3", lines: #"[{"line":0,"quantity":1}]"#).points == -33)
        #expect(try returned(f, "R-2", "F-3", lines: #"[{"line":0,"quantity":2}]"#).points == -67)
        #expect(try returned(f, "R-3", "F-3").points == -50)
        #expect(try f.balance(of: card).available == 0)
        try f.checkInvariants()
    }

    /// ONe: one invoice, an online order's lines (their order number) and a counter sale.
    func oneInvoice(_ card: String, _ number: String, lines: String) -> String {
        #"{"kind":"invoice","card_number":"\#(card)","number":"\#(number)","date":"\#(Timestamp.format(Date()))","currency":"USD","lines":\#(lines)}"#
    }

    @Test func oneTellsOnlineFromOfflineByTheOrderNumberOnEachLine() throws {
        let f = try LedgerFixture()
        try f.promotion("WEB-X2", target: "channel", value: "online", multiplier: 2)
        let card = try f.card()
        let lines =
            #"[{"sku":"SZ-100","quantity":2,"amount":100.00,"order_number":"WEB-2026-00417"},{"sku":"SZ-200","quantity":1,"amount":50.00}]"#
        let earned = try f.accrue(oneInvoice(card, "ONE-SZ-0042", lines: lines))
        #expect(earned.points == 250)
        #expect(earned.lines?.map(\.channel) == ["online", "offline"])
        #expect(earned.lines?.map(\.promotions) == [["WEB-X2"], []])
        let channel: String = try f.database.withConnection {
            try $0.query("SELECT channel FROM invoices WHERE programme_id = \(f.programme) AND number = 'ONE-SZ-0042'").one()
                .decode("channel")
        }
        #expect(channel == "mixed")
        // The forecast reads the lines the same way.
        #expect(try f.balance(#"{"kind":"forecast","channel":"offline","lines":\#(lines)}"#).forecast?.points == 250)
        // Returning the online line takes back what it earned, promotion included.
        #expect(try returned(f, "ONE-RET-1", "ONE-SZ-0042", lines: #"[{"line":0,"quantity":2}]"#).points == -200)

        // A programme that accrues offline only: the online line earns nothing, the invoice still accrues.
        _ = try configure(f, #"{"kind":"settings","channels":["offline"]}"#)
        let offline = try f.accrue(oneInvoice(card, "ONE-SZ-0043", lines: lines))
        #expect(offline.status == "accrued")
        #expect(offline.points == 50)
        #expect(offline.lines?.map(\.reason) == ["channel_disabled", nil])
        let online = try f.accrue(
            oneInvoice(card, "ONE-SZ-0044", lines: #"[{"sku":"SZ-100","quantity":1,"amount":10,"channel":"online"}]"#))
        #expect(online.status == "not_eligible")
        #expect(online.reason == "channel_disabled")

        let before = try f.count("invoices")
        let bad = f.failure {
            try f.accrue(oneInvoice(card, "ONE-SZ-0045", lines: #"[{"sku":"A","quantity":1,"amount":1,"channel":"web"}]"#))
        }
        #expect(bad?.field == "lines[0].channel")
        #expect(bad?.exitCode == 65)
        let long = String(repeating: "9", count: 65)
        let tooLong = f.failure {
            try f.accrue(
                oneInvoice(card, "ONE-SZ-0046", lines: #"[{"sku":"A","quantity":1,"amount":1,"order_number":"\#(long)"}]"#))
        }
        #expect(tooLong?.field == "lines[0].order_number")
        #expect(try f.count("invoices") == before)
        try f.checkInvariants()
    }

    /// ONe: cancelling an online order takes back only the lines that carry its number.
    @Test func cancellingAnOnlineOrderReturnsOnlyItsLines() throws {
        let f = try LedgerFixture()
        let card = try f.card()
        let lines =
            #"[{"sku":"SZ-100","quantity":2,"amount":100,"order_number":"WEB-2026-00500"},{"sku":"SZ-200","quantity":1,"amount":50},{"sku":"SZ-300","quantity":1,"amount":30,"order_number":"WEB-2026-00501"}]"#
        #expect(try f.accrue(oneInvoice(card, "ONE-SZ-0050", lines: lines)).points == 180)
        let cancelled = try f.accrue(#"{"kind":"cancel","order_number":"WEB-2026-00500"}"#)
        #expect(cancelled.status == "cancelled")
        #expect(cancelled.points == -100)
        #expect(cancelled.balance.available == 80)
        let entry = try #require(try f.balance(#"{"kind":"statement","card_number":"\#(card)"}"#).entries?.first)
        #expect(entry.kind == "reversal")
        #expect(entry.orderNumber == "WEB-2026-00500")
        #expect(entry.invoiceNumber == "ONE-SZ-0050")
        // The same cancel again changes nothing; an order on no line is not found.
        #expect(try f.accrue(#"{"kind":"cancel","order_number":"WEB-2026-00500"}"#) == cancelled)
        #expect(f.failure { try f.accrue(#"{"kind":"cancel","order_number":"WEB-2026-09999"}"#) }?.code == .orderNotFound)
        // What is left comes back with a return of the rest: the counter sale and the other order.
        #expect(try returned(f, "ONE-RET-50", "ONE-SZ-0050").points == -80)
        try f.checkInvariants()
    }
}
