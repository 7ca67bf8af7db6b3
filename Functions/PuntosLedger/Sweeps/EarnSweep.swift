import FoundationEssentials
import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// `earn-sweep`: the scheduled part of earning from actions and referrals. Each customer (birthdays)
/// or referral is handled in its own short transaction under the account locks, so two sweeps at once
/// never credit twice: the second finds the cap reached, or the referral decided.
package struct EarnSweep: FunctionHandler {
    package static let name = "earn-sweep"
    package static let httpRoutes = ["POST /sweeps/birthdays": "birthdays", "POST /sweeps/referrals": "referrals"]

    package init() {}

    package func handle(_ event: EarnSweepEvent, context: FunctionContext) throws -> EarnSweepResult {
        switch event {
        case .birthdays(let sweep):
            let (programme, limit) = try Self.check(sweep)
            return try birthdays(programme, limit: limit, context)
        case .referrals(let sweep):
            let (programme, limit) = try Self.check(sweep)
            return try referrals(programme, limit: limit, context)
        }
    }

    static func check(_ sweep: EarnSweepEvent.Sweep) throws -> (String, Int) {
        let programme = try Validate.programme(sweep.programme)
        let limit = sweep.limit ?? 10_000
        guard (1...100_000).contains(limit) else {
            throw FunctionError.badInput(.invalidValue, field: "limit", "limit must be 1 to 100000")
        }
        return (programme, limit)
    }

    /// Runs `body` in its own transaction with a ledger store.
    func inTransaction<T>(_ programme: String, _ context: FunctionContext, _ body: (LedgerStore) throws -> T) throws -> T {
        try context.database.withTransaction { connection in
            try body(
                LedgerStore(
                    connection: connection, settings: try ProgrammeSettingsStore(connection: connection).load(programme),
                    requestId: context.requestId, now: context.now))
        }
    }

    private func birthdays(_ programme: String, limit: Int, _ context: FunctionContext) throws -> EarnSweepResult {
        var result = EarnSweepResult()
        let (rule, due) = try inTransaction(programme, context) { store -> (ActionRule?, [Int64]) in
            guard let rule = try store.actions.inForce(ActionRule.birthday), rule.active else { return (nil, []) }
            return (rule, try store.birthdaysDue(limit: limit))
        }
        guard let rule else { return result }
        for customerId in due {
            guard Date() < context.deadline else { break }
            let answer = try inTransaction(programme, context) { store in
                var account = try store.accounts.lock(customerId: customerId)
                return try store.creditAction(&account, rule: rule, reference: nil, source: "earn-sweep.birthdays")
            }
            if answer.points > 0 {
                result.credited += 1
                result.points += answer.points
            } else {
                result.skipped += 1
            }
        }
        return result
    }

    private func referrals(_ programme: String, limit: Int, _ context: FunctionContext) throws -> EarnSweepResult {
        var result = EarnSweepResult()
        let (rule, due) = try inTransaction(programme, context) { store -> (ReferralRule?, [QualifiedReferral]) in
            guard let rule = try ReferralRuleStore(connection: store.connection, programmeId: programme).inForce(), rule.active
            else { return (nil, []) }
            let qualified = try ReferralSweepStore(connection: store.connection, programmeId: programme).qualified(
                minPurchase: rule.minPurchase, pendingDays: store.settings.pendingDays, now: context.now, limit: limit)
            return (rule, qualified)
        }
        guard let rule else { return result }
        for referral in due {
            guard Date() < context.deadline else { break }
            switch try inTransaction(
                programme, context, { try $0.creditReferral(referral, rule: rule, source: "earn-sweep.referrals") })
            {
            case .credited(let points):
                result.credited += 1
                result.points += points
            case .refused: result.refused += 1
            case .alreadyDecided: result.skipped += 1
            }
        }
        return result
    }
}
