import Foundation
import PuntosCore
import PuntosLedger
import PuntosPostgres

/// The tier history of a batch's customers (`tier_changes`, migration 0170), read once per batch for
/// a programme with tiers: every change of each, in the order they were recorded.
struct ImportTierStore {
    let connection: PostgresConnection
    let programme: String

    func changes(customerIds: [Int64]) throws -> [Int64: [TierState]] {
        var changes: [Int64: [TierState]] = [:]
        for row in try connection.query(
            """
            SELECT customer_id, to_tier, at, direction FROM tier_changes
            WHERE programme_id = \(programme) AND customer_id = ANY(\(customerIds.map { String($0) })::text[]::bigint[])
            ORDER BY customer_id, id
            """)
        {
            changes[try row.decode("customer_id"), default: []].append(
                TierState(
                    code: try row.decodeIfPresent("to_tier"), since: try row.decode("at"), direction: try row.decode("direction"))
            )
        }
        return changes
    }
}
