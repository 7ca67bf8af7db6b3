package import PuntosPostgres
import PuntosRuntime

/// The pool an approved member of a pooled organisation earns into and spends from.
package struct OrganisationPool: Sendable, Equatable {
    /// The organisation's code.
    package var organisation: String
    /// The pool's customer row, whose account and lots hold the organisation's points.
    package var accountId: Int64
    /// The member's role, which says whether they may spend the pool.
    package var role: OrganisationRole
}

/// What the ledger needs to know about organisations, one home for it: which account a customer's
/// points go to and come from. A customer earns into and spends from their own account, unless they
/// are an approved member of a pooled organisation: then the organisation's pool. Points earned
/// before joining stay on the member's own account. Personal organisations (reporting groups) change
/// nothing here.
package struct OrganisationAccountStore {
    package let connection: PostgresConnection
    package let programmeId: String

    package init(connection: PostgresConnection, programmeId: String) {
        self.connection = connection
        self.programmeId = programmeId
    }

    /// The pool of the customer's organisation; nil when the customer is in none, or in a personal one,
    /// or has not been approved.
    package func pool(memberId: Int64) throws -> OrganisationPool? {
        guard
            let row = try connection.query(
                """
                SELECT o.code, o.pool_customer_id, m.role
                FROM organisation_members m JOIN organisations o ON o.id = m.organisation_id
                WHERE m.customer_id = \(memberId) AND m.status = 'approved' AND o.programme_id = \(programmeId)
                  AND o.pool_customer_id IS NOT NULL
                """
            ).first
        else { return nil }
        return OrganisationPool(
            organisation: try row.decode("code"), accountId: try row.decode("pool_customer_id"), role: try row.decode("role"))
    }

    /// The pool account of each customer in `memberIds` that `pool(memberId:)` finds one for, by
    /// customer, in one query (an import's batch).
    package func pools(memberIds: [Int64]) throws -> [Int64: Int64] {
        guard !memberIds.isEmpty else { return [:] }
        var pools: [Int64: Int64] = [:]
        for row in try connection.query(
            """
            SELECT m.customer_id, o.pool_customer_id
            FROM organisation_members m JOIN organisations o ON o.id = m.organisation_id
            WHERE m.customer_id = ANY(\(memberIds.map { String($0) })::text[]::bigint[]) AND m.status = 'approved'
              AND o.programme_id = \(programmeId) AND o.pool_customer_id IS NOT NULL
            """)
        {
            pools[try row.decode("customer_id")] = try row.decode("pool_customer_id")
        }
        return pools
    }
}
