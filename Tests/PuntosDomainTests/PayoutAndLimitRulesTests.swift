import Foundation
import PuntosCore
import PuntosLedger
import Testing

/// The pure decisions behind payouts and promotion limits: what counts as a card number, and how much
/// limited promotions may give.
@Suite struct PayoutAndLimitRulesTests {
    @Test(arguments: [
        "4111111111111111", "4111 1111 1111 1111", "tok-4111-1111-1111-1111-x", "5500005555555559", "378282246310005",
        "6011111111111117", "card:4242424242424242",
    ])
    func cardNumbersAreSeenAnywhereInADestination(_ text: String) {
        #expect(PayoutDestination.containsCardNumber(text))
    }

    @Test(arguments: [
        "tok_card_8a7f42", "4111111111111112", "tok_1234567890123", "411111111111", "41111111111111111111", "pm_1Nx2AbC",
    ])
    func tokensAndNonLuhnDigitsAreNot(_ text: String) {
        #expect(!PayoutDestination.containsCardNumber(text))
    }

    /// A reason quoting the token keeps it masked, every time it quotes it; one that does not is as given.
    @Test func aReasonQuotingTheDestinationKeepsItMasked() {
        #expect(
            PayoutDestination.masking("tok_card_8a7f42", in: "card tok_card_8a7f42 declined (tok_card_8a7f42)")
                == "card …7f42 declined (…7f42)")
        #expect(PayoutDestination.masking("tok_card_8a7f42", in: "receipt checked") == "receipt checked")
        #expect(PayoutDestination.masking("tok_card_8a7f42", in: nil) == nil)
    }

    let tool = InvoiceLine(sku: "TOOL", brand: "Acme", quantity: 1, amount: 10, paidWithPoints: 0, channel: "offline")

    func rules(_ promotions: [Promotion]) -> EarningRules {
        EarningRules(pointsPerUnit: 1, rounding: .down, promotions: promotions)
    }

    @Test func aPromotionWithinItsAllowanceGivesItAll() {
        let (earning, grants) = rules([Promotion(code: "X2", target: "sku", value: "TOOL", multiplier: 2)]).earn(
            [tool], segment: nil, channels: ["offline"], within: ["X2": PromotionAllowance(budgetLeft: 100, capLeft: nil)])
        #expect(earning.points == 20)
        #expect(grants == [PromotionGrant(promotion: "X2", extra: 10, granted: 10, limitedBy: nil)])
    }

    /// Two promotions on one line, both ×2 (10 → 40): the first may give 5 of its 20, the second has no
    /// limit. The first is taken out (the second then adds 10 over the base) and gives its 5: 25, never
    /// less than the base, never more than the allowance.
    @Test func aLimitedPromotionGivesWhatIsLeftAndTheRestEarnAsWithoutIt() {
        let promotions = [
            Promotion(code: "A", target: "sku", value: "TOOL", multiplier: 2),
            Promotion(code: "B", target: "brand", value: "Acme", multiplier: 2),
        ]
        let (earning, grants) = rules(promotions).earn(
            [tool], segment: nil, channels: ["offline"], within: ["A": PromotionAllowance(budgetLeft: 50, capLeft: 5)])
        #expect(grants == [PromotionGrant(promotion: "A", extra: 20, granted: 5, limitedBy: "cap_reached")])
        #expect(earning.points == 25)
        #expect(earning.lines.map(\.promotions) == [["B", "A"]])
        let spent = rules(promotions).earn(
            [tool], segment: nil, channels: ["offline"], within: ["A": PromotionAllowance(budgetLeft: 0, capLeft: nil)])
        #expect(spent.earning.points == 20 && spent.grants[0].limitedBy == "budget_exhausted")
    }
}
