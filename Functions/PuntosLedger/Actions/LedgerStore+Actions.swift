import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

extension LedgerStore {
    package var actions: ActionStore { ActionStore(connection: connection, programmeId: programmeId) }

    /// Credits one more `rule.action` to a locked account, unless its cap for the period (counted in
    /// the programme's time zone) is reached: then it earns nothing and says why (`capped`). The
    /// account lock makes concurrent actions of one customer count one after the other.
    func creditAction(_ account: inout LedgerAccount, rule: ActionRule, reference: String?, source: String) throws
        -> AccrueResult
    {
        let day = try actions.programmeDay(now, timeZone: settings.programme.timeZone)
        let period = rule.capPeriod.key(day: day)
        let done = try actions.credits(customerId: account.customerId, action: rule.action, periodKey: period)
        guard done < rule.capCount else {
            let when = rule.capPeriod == .once ? "" : " (\(period))"
            return AccrueResult(
                invoiceNumber: nil, orderNumber: nil, status: "capped", points: 0,
                reason: "\(rule.action) earns at most \(rule.capCount) \(rule.capPeriod.words)\(when); the cap is reached",
                lines: nil, uncollected: nil, balance: balance(account))
        }
        let facts = EntryFacts(
            kind: .accrual, rule: rule.json, reason: "action \(rule.action)" + (reference.map { " \($0)" } ?? ""),
            source: source)
        let lotId = try credit(
            &account, points: rule.points, invoiceId: nil, facts: facts, pendingWindow: false, notice: .pointsEarned)
        try actions.recordCredit(
            customerId: account.customerId, rule: rule, periodKey: period, seq: done + 1, lotId: lotId,
            reference: reference, requestId: requestId, at: now)
        return AccrueResult(
            invoiceNumber: nil, orderNumber: nil, status: "accrued", points: rule.points, reason: "action \(rule.action)",
            lines: nil, uncollected: nil, balance: balance(account))
    }
}
