import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// The ledger's hooks into tiers, one line each in `accrue` and `balance`: the tier an accrual earns
/// at, an upgrade after an accrual, a downgrade after a return. A programme without tiers reads one
/// row that is not there and does nothing more.
extension LedgerStore {
    package var tiers: TierStore {
        TierStore(connection: connection, programmeId: programmeId, requestId: requestId, now: now)
    }

    /// The tier a customer's accruals earn at now (recorded on the entry's rule); nil without one.
    package func appliedTier(customerId: Int64?) throws -> AppliedTier? {
        guard settings.hasTiers, let customerId, let scheme = try tiers.scheme() else { return nil }
        return scheme.applied(holding: try tiers.state(customerId: customerId)?.code)
    }

    /// After an accrual: an upgrade at once when the member now qualifies for a higher tier.
    package func qualifyForTier(customerId: Int64, invoiceNumber: String?, source: String) throws {
        guard settings.hasTiers, let scheme = try tiers.scheme() else { return }
        let state = try tiers.state(customerId: customerId)
        guard
            let up = try TierPolicy.upgrade(
                scheme, state, now: now, measure: { try tiers.qualifying(customerId: customerId, scheme.basis, $0) })
        else { return }
        try tiers.append(
            TierChange(
                customerId: customerId, from: scheme.rank(state?.code), to: up.to, reason: .qualified,
                qualifying: up.qualifying, invoiceNumber: invoiceNumber, source: source), scheme: scheme)
    }

    /// After a return: a downgrade at once by the scheme's policy when the tier rested on the points
    /// taken back (`after_x_days`: the sweep, once the grace is over).
    package func reviewTierAfterReturn(customerId: Int64, invoiceNumber: String?, source: String) throws {
        guard settings.hasTiers, let scheme = try tiers.scheme(), let state = try tiers.state(customerId: customerId) else {
            return
        }
        guard
            let down = try TierPolicy.afterReturn(
                scheme, state, now: now, measure: { try tiers.qualifying(customerId: customerId, scheme.basis, $0) })
        else { return }
        try tiers.append(
            TierChange(
                customerId: customerId, from: scheme.rank(state.code), to: down.to, reason: .return,
                qualifying: down.qualifying, invoiceNumber: invoiceNumber, source: source), scheme: scheme)
    }
}
