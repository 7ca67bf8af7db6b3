import PuntosPostgres
import PuntosRuntime

/// The ledger's hooks for organisations: the account a card earns into, spends from and shows. Each
/// locks (or reads) the card's own account as `lock`/`read` do, then, for an approved member of a
/// pooled organisation, the pool's, keeping the member's card, segment and agreement: entries and
/// holds name the member's card, so every pooled point says who earned or spent it, and their notices
/// go to the member.
extension AccountStore {
    /// The account an invoice on this card earns into.
    package func lockEarning(_ reference: AccountReference) throws -> LedgerAccount {
        let own = try lock(reference)
        guard mayHavePools, let pool = try organisations.pool(memberId: own.customerId) else { return own }
        return try lockPool(pool, member: own)
    }

    /// The account a hold or redemption on this card spends from. A member whose role may not spend
    /// the pool is refused (`role_not_allowed`), naming the card's field.
    package func lockSpending(_ reference: AccountReference) throws -> LedgerAccount {
        let own = try lock(reference)
        guard mayHavePools, let pool = try organisations.pool(memberId: own.customerId) else { return own }
        guard pool.role.maySpendPool else {
            throw FunctionError.refused(
                .roleNotAllowed, field: reference.field,
                "a \(pool.role.rawValue) of organisation \(pool.organisation) may not spend its pooled points")
        }
        return try lockPool(pool, member: own)
    }

    /// The account a balance on this card shows: the pool's for a member of a pooled organisation.
    package func readShown(_ reference: AccountReference) throws -> LedgerAccount {
        let own = try read(reference)
        guard mayHavePools, let pool = try organisations.pool(memberId: own.customerId) else { return own }
        let row = try connection.query(
            """
            SELECT coalesce(a.available, 0) AS available, coalesce(a.pending, 0) AS pending, coalesce(a.held, 0) AS held
            FROM (SELECT \(pool.accountId)::bigint AS id) p LEFT JOIN accounts a ON a.customer_id = p.id
            """
        ).one()
        var account = own
        account.customerId = pool.accountId
        account.available = try row.decode("available")
        account.pending = try row.decode("pending")
        account.held = try row.decode("held")
        account.organisation = pool.organisation
        return account
    }

    private var organisations: OrganisationAccountStore {
        OrganisationAccountStore(connection: connection, programmeId: programmeId)
    }

    /// Locks (creating it when new) the pool's account, after the member's: every writer takes the
    /// member's lock first and the pool's last, so two members of one pool wait for each other.
    private func lockPool(_ pool: OrganisationPool, member: LedgerAccount) throws -> LedgerAccount {
        let row = try connection.query(
            """
            INSERT INTO accounts AS a (customer_id, programme_id, may_go_negative)
            VALUES (\(pool.accountId), \(programmeId), \(allowNegative))
            ON CONFLICT (customer_id) DO UPDATE SET may_go_negative = EXCLUDED.may_go_negative
            RETURNING a.available, a.pending, a.held
            """
        ).one()
        var account = member
        account.customerId = pool.accountId
        account.available = try row.decode("available")
        account.pending = try row.decode("pending")
        account.held = try row.decode("held")
        account.organisation = pool.organisation
        account.memberId = member.customerId
        return account
    }
}
