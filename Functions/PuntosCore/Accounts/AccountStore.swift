package import FoundationEssentials
package import PuntosPostgres
import PuntosRuntime

/// A customer's points account, as a ledger event sees it: the card it acts on and the balances.
package struct LedgerAccount: Sendable, Equatable {
    package var customerId: Int64
    package var cardNumber: String
    package var available: Int64
    package var pending: Int64
    package var held: Int64
    package var segment: String?
    /// When the customer's points start to count: the start of the day, in the programme's time zone,
    /// on which the agreement was first accepted (ONe: an invoice at 09:00 on a day accepted at 15:00
    /// earns). Nil without an agreement.
    package var agreementFrom: Date?
    /// The organisation whose pool this is, when a member's card acts on it (`lockEarning`,
    /// `lockSpending`, `readShown`); nil for the customer's own account.
    package var organisation: String? = nil
    /// The member whose card acts on an organisation's pool: told of the pool's entries it makes.
    package var memberId: Int64? = nil

    /// Who an entry's notice goes to: the acting member for a pool, else the account's customer.
    package var noticeCustomerId: Int64 { memberId ?? customerId }
}

/// The `accounts` table and the card that names one. Every write to a customer's points first locks
/// the customer's account row, so two checkouts on one card run one after the other.
package struct AccountStore {
    package let connection: PostgresConnection
    package let programmeId: String
    /// What the programme says today: a locked account takes it (`may_go_negative`).
    package let allowNegative: Bool
    /// Whether the programme may have pooled organisations: without any, a card's own account is the
    /// one it earns into and spends from, and no membership is looked up (`lockEarning`).
    package let mayHavePools: Bool

    package init(connection: PostgresConnection, programmeId: String, allowNegative: Bool, mayHavePools: Bool = true) {
        self.connection = connection
        self.programmeId = programmeId
        self.allowNegative = allowNegative
        self.mayHavePools = mayHavePools
    }

    /// Resolves the card (or the customer's current card) and locks the customer's account, in one
    /// statement: the upsert takes the account's row lock. A blocked or replaced card is refused, but for
    /// a card a merge replaced, and an external id of a merged customer: they act on the survivor's
    /// current card (`puntos_account_card`, migration 0175, asked only of a card that is not simply
    /// there: a PL/pgSQL call costs more than the probe); any other card of a merged customer acts on
    /// the survivor's account (`puntos_survivor`).
    package func lock(_ reference: AccountReference) throws -> LedgerAccount {
        let rows = try connection.query(
            """
            WITH c AS (
                SELECT c.number, c.status, u.id AS customer_id, u.segment,
                       puntos_agreement_from(u.id) AS agreement_from
                FROM cards c JOIN customers u ON u.id = puntos_survivor(c.customer_id)
                WHERE c.programme_id = \(programmeId)
                  AND c.number = CASE
                      WHEN EXISTS (SELECT 1 FROM cards k WHERE k.number = \(reference.cardNumber)::text AND k.status <> 'replaced')
                      THEN \(reference.cardNumber)::text
                      ELSE puntos_account_card(\(programmeId)::text, \(reference.cardNumber)::text, \(reference.externalId)::text)
                  END),
            a AS (
                INSERT INTO accounts AS a (customer_id, programme_id, may_go_negative)
                SELECT customer_id, \(programmeId), \(allowNegative) FROM c WHERE c.status = 'active'
                ON CONFLICT (customer_id) DO UPDATE SET may_go_negative = EXCLUDED.may_go_negative
                RETURNING a.customer_id, a.available, a.pending, a.held)
            SELECT c.*, a.available, a.pending, a.held FROM c LEFT JOIN a ON a.customer_id = c.customer_id
            """)
        guard let row = rows.first else {
            throw FunctionError.notFound(
                .cardNotFound, field: reference.field, "there is no such card in programme \(programmeId)")
        }
        let status: CardStatus = try row.decode("status")
        guard status == .active else {
            throw FunctionError.refused(.cardIs(status), field: reference.field, "the card is \(status.rawValue)")
        }
        return LedgerAccount(
            customerId: try row.decode("customer_id"), cardNumber: try row.decode("number"),
            available: try row.decode("available"), pending: try row.decode("pending"), held: try row.decode("held"),
            segment: try row.decodeIfPresent("segment"), agreementFrom: try row.decodeIfPresent("agreement_from"))
    }

    /// Locks the account of a known customer (a return or cancellation, whatever the card's status now);
    /// of the survivor when the customer was merged into another (`puntos_survivor`, migration 0175).
    package func lock(customerId: Int64) throws -> LedgerAccount {
        let row = try connection.query(
            """
            SELECT u.id, puntos_current_card(u.id) AS number, u.segment
            FROM customers u WHERE u.id = puntos_survivor(\(customerId))
            """
        ).one()
        var account = LedgerAccount(
            customerId: try row.decode("id"), cardNumber: try row.decode("number"), available: 0, pending: 0, held: 0,
            segment: try row.decodeIfPresent("segment"), agreementFrom: nil)
        try loadBalances(&account)
        return account
    }

    /// Locks (creating it when new) the account row of a customer and reads its balances.
    private func loadBalances(_ account: inout LedgerAccount) throws {
        let row = try connection.query(
            """
            INSERT INTO accounts AS a (customer_id, programme_id, may_go_negative)
            VALUES (\(account.customerId), \(programmeId), \(allowNegative))
            ON CONFLICT (customer_id) DO UPDATE SET may_go_negative = EXCLUDED.may_go_negative
            RETURNING a.available, a.pending, a.held
            """
        ).one()
        account.available = try row.decode("available")
        account.pending = try row.decode("pending")
        account.held = try row.decode("held")
    }

    /// The account of a card, whatever its status (a blocked card may still look), read without a lock.
    package func read(_ reference: AccountReference) throws -> LedgerAccount {
        let row = try connection.query(
            """
            SELECT c.number, s.id AS customer_id, coalesce(a.available, 0) AS available, coalesce(a.pending, 0) AS pending,
                   coalesce(a.held, 0) AS held, (SELECT segment FROM customers WHERE id = s.id) AS segment
            FROM cards c CROSS JOIN LATERAL (SELECT puntos_survivor(c.customer_id) AS id) s
            LEFT JOIN accounts a ON a.customer_id = s.id
            WHERE c.programme_id = \(programmeId)
              AND c.number = CASE
                      WHEN EXISTS (SELECT 1 FROM cards k WHERE k.number = \(reference.cardNumber)::text AND k.status <> 'replaced')
                      THEN \(reference.cardNumber)::text
                      ELSE puntos_account_card(\(programmeId)::text, \(reference.cardNumber)::text, \(reference.externalId)::text)
                  END
            """
        ).first
        guard let row else {
            throw FunctionError.notFound(.cardNotFound, field: reference.field, "there is no such card")
        }
        return LedgerAccount(
            customerId: try row.decode("customer_id"), cardNumber: try row.decode("number"),
            available: try row.decode("available"), pending: try row.decode("pending"),
            held: try row.decode("held"), segment: try row.decodeIfPresent("segment"), agreementFrom: nil)
    }

    /// The segment of a card's customer (for a forecast); a card not in the programme is refused.
    package func segment(cardNumber: String) throws -> String? {
        guard
            let row = try connection.query(
                """
                SELECT u.segment FROM cards c JOIN customers u ON u.id = c.customer_id
                WHERE c.number = \(cardNumber) AND c.programme_id = \(programmeId)
                """
            ).first
        else {
            throw FunctionError.notFound(.cardNotFound, field: "card_number", "there is no such card")
        }
        return try row.decodeIfPresent("segment")
    }

    /// Sets the segment of a card's customer (nil clears it); false when the card is not in the programme.
    package func setSegment(_ segment: String?, cardNumber: String) throws -> Bool {
        try !connection.query(
            """
            UPDATE customers SET segment = \(segment)
            WHERE id = (SELECT customer_id FROM cards WHERE number = \(cardNumber) AND programme_id = \(programmeId)) RETURNING id
            """
        ).isEmpty
    }
}
