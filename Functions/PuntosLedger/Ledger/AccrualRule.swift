import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// What an accrual entry records of the rules that made it (`ledger_entries.rule`): the earning
/// rules with only the promotions that applied, and the pending and expiry rules then in force.
package struct AccrualRule: Encodable {
    var earning: EarningRules
    var pendingDays: Int
    var expiry: ExpiryRule
    var expiryDays: Int?

    enum CodingKeys: String, CodingKey { case earning, expiry, pendingDays = "pending_days", expiryDays = "expiry_days" }

    package static func json(_ rules: EarningRules, applied: Set<String>, _ settings: LedgerSettings) throws -> JSONText {
        var inForce = rules
        inForce.promotions = rules.promotions.filter { applied.contains($0.code) }
        let rule = AccrualRule(
            earning: inForce, pendingDays: settings.pendingDays, expiry: settings.expiry, expiryDays: settings.expiryDays)
        return try JSONText(encoding: rule)
    }
}
