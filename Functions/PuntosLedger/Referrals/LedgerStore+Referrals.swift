import FoundationEssentials
package import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// What crediting one qualified referral did.
package enum ReferralOutcome: Sendable, Equatable {
    /// Both credited: the points given in all.
    case credited(points: Int64)
    case refused(ReferralGuard.Refusal)
    /// Decided meanwhile by another sweep, or its purchase returned meanwhile: nothing to do now.
    case alreadyDecided
}

extension LedgerStore {
    /// Credits the referrer and the referred customer for a qualified referral, once: both accounts
    /// locked (in customer order, as every write of two accounts), the referral still pending, and the
    /// referrer under the programme's cap (else refused with `referrer_cap_reached`).
    func creditReferral(_ referral: QualifiedReferral, rule: ReferralRule, source: String) throws -> ReferralOutcome {
        let sweep = ReferralSweepStore(connection: connection, programmeId: programmeId)
        var accounts: [Int64: LedgerAccount] = [:]
        for customerId in Set([referral.referrerId, referral.referredId]).sorted() {
            accounts[customerId] = try self.accounts.lock(customerId: customerId)
        }
        guard try sweep.lockPending(referral.id), try sweep.stillQualifies(invoiceNumber: referral.invoiceNumber) else {
            return .alreadyDecided
        }
        guard try sweep.credited(referrerId: referral.referrerId) < rule.capPerReferrer else {
            try sweep.decide(
                referral.id, refusal: .referrerCapReached, invoiceNumber: referral.invoiceNumber, ruleVersion: rule.version,
                now: now)
            return .refused(.referrerCapReached)
        }
        func json(_ role: String, _ points: Int64) -> JSONText {
            JSONText(#"{"referral":\#(referral.id),"version":\#(rule.version),"role":"\#(role)","points":\#(points)}"#)
        }
        var referrer = accounts[referral.referrerId]!
        try credit(
            &referrer, points: rule.referrerPoints, invoiceId: nil,
            facts: EntryFacts(
                kind: .accrual, rule: json("referrer", rule.referrerPoints),
                reason: "referral: a customer you referred made their first purchase", source: source),
            pendingWindow: false, notice: .pointsEarned)
        var referred = accounts[referral.referredId]!
        try credit(
            &referred, points: rule.referredPoints, invoiceId: nil,
            facts: EntryFacts(
                kind: .accrual, invoiceNumber: referral.invoiceNumber, rule: json("referred", rule.referredPoints),
                reason: "referral: your first purchase", source: source),
            pendingWindow: false, notice: .pointsEarned)
        try sweep.decide(referral.id, refusal: nil, invoiceNumber: referral.invoiceNumber, ruleVersion: rule.version, now: now)
        return .credited(points: rule.referrerPoints + rule.referredPoints)
    }
}
