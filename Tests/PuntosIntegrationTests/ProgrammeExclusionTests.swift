import Foundation
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// Rigla: an order on which SberSpasibo was applied earns and spends nothing of ours.
@Suite struct ProgrammeExclusionTests {
    func exclude(_ f: LedgerFixture, _ others: String) throws -> ConfigureResult {
        try Configure().handle(
            try EventDecoding.decode(
                ConfigureEvent.self, from: f.json(#"{"kind":"exclusions","excluded_by":\#(others)}"#)),
            context: f.context())
    }

    func excludedInvoice(_ card: String, _ number: String, order: String, other: String?) -> String {
        let field = other.map { #","other_programme":"\#($0)""# } ?? ""
        return
            #"{"kind":"invoice","card_number":"\#(card)","number":"\#(number)","order_number":"\#(order)"\#(field),"date":"\#(Timestamp.format(Date()))","currency":"USD","lines":[{"sku":"SKU-1","quantity":1,"amount":100}]}"#
    }

    @Test func anOrderWithSberSpasiboEarnsAndSpendsNothing() throws {
        let f = try LedgerFixture()
        #expect(try exclude(f, #"["SberSpasibo"]"#).excludedBy == ["sberspasibo"])
        let card = try f.card()
        _ = try f.accrue(invoice(card, "EARN-1", amount: "500.00"))
        let first = try f.accrue(excludedInvoice(card, "SB-1", order: "SB-ORDER", other: "sberspasibo"))
        #expect(first.status == "not_eligible")
        #expect(first.reason == "excluded_by_other_programme")
        #expect(first.points == 0)
        // A later line on the same order follows the first decision, without naming SberSpasibo again.
        let later = try f.accrue(excludedInvoice(card, "SB-2", order: "SB-ORDER", other: nil))
        #expect(later.reason == "excluded_by_other_programme")
        #expect(later.points == 0)
        // Nothing can be held or redeemed on it.
        let hold = f.failure {
            try f.redeem(#"{"kind":"hold","card_number":"\#(card)","order_number":"SB-ORDER","order_amount":100,"points":50}"#)
        }
        #expect(hold?.code == .excludedByOtherProgramme)
        #expect(hold?.field == "order_number")
        let named = f.failure {
            try f.redeem(
                #"{"kind":"redeem","card_number":"\#(card)","order_number":"SB-OTHER","order_amount":100,"points":50,"other_programme":"sberspasibo"}"#
            )
        }
        #expect(named?.code == .excludedByOtherProgramme)
        #expect(named?.field == "other_programme")
        // The forecast says so; a return on the order takes nothing.
        let forecast = try f.balance(
            #"{"kind":"forecast","order_number":"SB-ORDER","lines":[{"sku":"SKU-1","quantity":1,"amount":100}]}"#)
        #expect(forecast.forecast?.points == 0)
        #expect(forecast.forecast?.reason == "excluded_by_other_programme")
        let returned = try f.accrue(#"{"kind":"return","return_number":"SB-R","invoice_number":"SB-1"}"#)
        #expect(returned.points == 0)
        #expect(try f.balance(of: card).available == 500)
        // A programme ours does not list excludes nothing.
        #expect(try f.accrue(excludedInvoice(card, "OK-1", order: "OK-ORDER", other: "other-bank")).points == 100)
        #expect(try f.balance(of: card).available == 600)
        try f.checkInvariants()
    }

    @Test func aBadProgrammeNameIsRefusedNamingTheField() throws {
        let f = try LedgerFixture()
        let card = try f.card()
        let refusal = f.failure { try f.accrue(excludedInvoice(card, "BAD-1", order: "BAD", other: "no spaces")) }
        #expect(refusal?.kind == .badInput)
        #expect(refusal?.field == "other_programme")
        #expect(f.failure { try exclude(f, #"["ok", ""]"#) }?.field == "excluded_by[1]")
        #expect(try f.count("invoices") == 0)
    }
}
