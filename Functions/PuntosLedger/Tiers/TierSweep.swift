import FoundationEssentials
import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// The scheduled review of tiers, run by `expire`'s sweep: each member holding a tier is reviewed in
/// its own short transaction under its account lock (as every ledger write), so a sweep run twice,
/// or beside an accrual, moves nobody twice: a change dates the member's tier past the period's end.
package enum TierSweep {
    /// Reviews up to `limit` members; the number of tier changes written.
    package static func run(_ programme: String, limit: Int, _ context: FunctionContext) throws -> Int {
        let members: [Int64] = try context.database.withConnection { connection in
            let store = TierStore(connection: connection, programmeId: programme, requestId: context.requestId, now: context.now)
            guard try store.scheme() != nil else { return [] }
            return try store.members(limit: limit)
        }
        var changes = 0
        for customerId in members {
            guard Date() < context.deadline else { break }
            changes += try context.database.withTransaction { connection in
                let store = TierStore(
                    connection: connection, programmeId: programme, requestId: context.requestId, now: context.now)
                try store.lockAccount(customerId: customerId)
                return try review(customerId, store) ? 1 : 0
            }
        }
        return changes
    }

    private static func review(_ customerId: Int64, _ store: TierStore) throws -> Bool {
        guard let scheme = try store.scheme(), let state = try store.state(customerId: customerId),
            let down = try TierPolicy.review(
                scheme, state, now: store.now, measure: { try store.qualifying(customerId: customerId, scheme.basis, $0) },
                lastReturn: { try store.lastReturn(customerId: customerId, since: $0) })
        else { return false }
        try store.append(
            TierChange(
                customerId: customerId, from: scheme.rank(state.code), to: down.to, reason: down.reason,
                qualifying: down.qualifying, invoiceNumber: nil, source: "expire"), scheme: scheme)
        return true
    }
}
