package import FoundationEssentials
import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// The SQL behind the ledger, run inside the caller's transaction. Every write to a customer's
/// points first locks the customer's account row, so two checkouts on one card run one after the other.
package struct LedgerStore {
    package let connection: PostgresConnection
    package let settings: LedgerSettings
    package let requestId: String
    package let now: Date

    package init(connection: PostgresConnection, settings: LedgerSettings, requestId: String, now: Date) {
        self.connection = connection
        self.settings = settings
        self.requestId = requestId
        self.now = now
    }

    var programmeId: String { settings.programme.id }

    /// A card a ledger event names, resolved to its customer.
    package struct Account {
        package var customerId: Int64
        package var cardNumber: String
        package var available: Int64
        package var pending: Int64
        package var held: Int64
        package var segment: String?
        package var agreementFrom: Date?
    }

    /// Resolves the card (or the customer's current card) and locks the customer's account, in one
    /// statement: the upsert takes the account's row lock. A blocked or replaced card is refused.
    package func lockAccount(cardNumber: String?, externalId: String?) throws -> Account {
        let rows = try connection.query(
            """
            WITH c AS (
                SELECT c.number, c.status, c.customer_id, u.segment,
                       (SELECT min(accepted_at) FROM agreements a WHERE a.customer_id = u.id) AS agreement_from
                FROM cards c JOIN customers u ON u.id = c.customer_id
                WHERE c.programme_id = \(programmeId)
                  AND (c.number = \(cardNumber) OR (\(cardNumber)::text IS NULL AND u.external_id = \(externalId)))
                ORDER BY (c.status = 'active') DESC, c.issued_at DESC LIMIT 1),
            a AS (
                INSERT INTO accounts AS a (customer_id, programme_id, may_go_negative)
                SELECT customer_id, \(programmeId), \(settings.allowNegative) FROM c WHERE c.status = 'active'
                ON CONFLICT (customer_id) DO UPDATE SET may_go_negative = EXCLUDED.may_go_negative
                RETURNING a.customer_id, a.available, a.pending, a.held)
            SELECT c.*, a.available, a.pending, a.held FROM c LEFT JOIN a ON a.customer_id = c.customer_id
            """)
        let field = cardNumber != nil ? "card_number" : "external_id"
        guard let row = rows.first else {
            throw FunctionError.notFound(.cardNotFound, field: field, "there is no such card in programme \(programmeId)")
        }
        let status: String = try row.decode("status")
        guard status == "active" else {
            throw FunctionError.refused(.cardIs(status), field: field, "the card is \(status)")
        }
        return Account(
            customerId: try row.decode("customer_id"), cardNumber: try row.decode("number"),
            available: try row.decode("available"), pending: try row.decode("pending"), held: try row.decode("held"),
            segment: try row.decodeIfPresent("segment"), agreementFrom: try row.decodeIfPresent("agreement_from"))
    }

    /// Locks (creating it when new) the account row of a customer and reads its balances.
    package func loadBalances(_ account: inout Account) throws {
        let row = try connection.query(
            """
            INSERT INTO accounts AS a (customer_id, programme_id, may_go_negative)
            VALUES (\(account.customerId), \(programmeId), \(settings.allowNegative))
            ON CONFLICT (customer_id) DO UPDATE SET may_go_negative = EXCLUDED.may_go_negative
            RETURNING a.available, a.pending, a.held
            """
        ).one()
        account.available = try row.decode("available")
        account.pending = try row.decode("pending")
        account.held = try row.decode("held")
    }

    package func balance(_ account: Account) -> BalanceView {
        BalanceView(
            cardNumber: account.cardNumber, available: account.available, pending: account.pending, held: account.held,
            currency: settings.programme.currency, value: settings.policy.value(max(account.available, 0)))
    }

    /// What a new entry says besides its deltas.
    package struct EntryFacts {
        package var kind: String
        package var invoiceNumber: String?
        package var orderNumber: String?
        package var voucherNumber: String?
        package var holdId: Int64?
        package var lotId: Int64?
        package var rule: JSONText = JSONText("{}")
        package var reason: String?
        package var source: String

        package init(
            kind: String, invoiceNumber: String? = nil, orderNumber: String? = nil, voucherNumber: String? = nil,
            holdId: Int64? = nil, lotId: Int64? = nil, rule: JSONText = JSONText("{}"), reason: String? = nil, source: String
        ) {
            self.kind = kind
            self.invoiceNumber = invoiceNumber
            self.orderNumber = orderNumber
            self.voucherNumber = voucherNumber
            self.holdId = holdId
            self.lotId = lotId
            self.rule = rule
            self.reason = reason
            self.source = source
        }
    }

    /// Appends an entry (the trigger moves the account's balances), records its lot draws, applies
    /// them to the lots, and writes the customer's notice to the outbox, all in this transaction.
    @discardableResult
    package func append(
        _ account: inout Account, _ facts: EntryFacts, available: Int64 = 0, pending: Int64 = 0, held: Int64 = 0,
        draws: [LotDraw] = [], notice: String
    ) throws -> Int64 {
        guard available != 0 || pending != 0 || held != 0 else { return 0 }
        let after = (available: account.available + available, pending: account.pending + pending, held: account.held + held)
        let entryId: Int64 = try connection.query(
            """
            WITH e AS (
                INSERT INTO ledger_entries (programme_id, customer_id, card_number, kind, available_delta, pending_delta, held_delta,
                    invoice_number, order_number, voucher_number, hold_id, lot_id, rule, reason, source, request_id, at)
                VALUES (\(programmeId), \(account.customerId), \(account.cardNumber), \(facts.kind), \(available), \(pending), \(held),
                        \(facts.invoiceNumber), \(facts.orderNumber), \(facts.voucherNumber), \(facts.holdId), \(facts.lotId),
                        \(facts.rule)::jsonb, \(facts.reason), \(facts.source), \(requestId), \(now))
                RETURNING id),
            n AS (
                INSERT INTO notices (programme_id, customer_id, kind, dedupe_key, payload, locale)
                SELECT \(programmeId), u.id, \(notice), 'ledger:' || e.id::text,
                       jsonb_build_object('entry_id', e.id, 'kind', \(facts.kind)::text,
                                          'points', \(available + pending)::bigint, 'card_number', \(account.cardNumber)::text,
                                          'available', \(after.available)::bigint, 'pending', \(after.pending)::bigint,
                                          'held', \(after.held)::bigint, 'invoice_number', \(facts.invoiceNumber)::text,
                                          'order_number', \(facts.orderNumber)::text, 'voucher_number', \(facts.voucherNumber)::text),
                       u.locale
                FROM e, customers u WHERE u.id = \(account.customerId)
                ON CONFLICT (dedupe_key) DO NOTHING)
            SELECT id FROM e
            """
        ).one().decode("id")
        try applyDraws(entryId: entryId, LotPlan.payingDebt(draws, credit: available, balance: account.available))
        account.available = after.available
        account.pending = after.pending
        account.held = after.held
        return entryId
    }

    private func applyDraws(entryId: Int64, _ draws: [LotDraw]) throws {
        let merged = Dictionary(draws.map { ($0.lotId, $0.points) }, uniquingKeysWith: +).filter { $0.value != 0 }
        guard !merged.isEmpty else { return }
        let ids = merged.keys.map { String($0) }
        let points = merged.keys.map { String(merged[$0]!) }
        try connection.query(
            """
            WITH d AS (SELECT lot::bigint AS lot_id, pts::bigint AS points
                       FROM unnest(\(ids)::text[], \(points)::text[]) AS t(lot, pts)),
            ins AS (INSERT INTO lot_draws (entry_id, lot_id, points) SELECT \(entryId), lot_id, points FROM d)
            UPDATE lots SET remaining = lots.remaining + d.points FROM d WHERE lots.id = d.lot_id
            """)
    }

    /// Credits `points` as a new lot: pending until the return window closes, or available now.
    /// Available points first pay back a negative balance.
    @discardableResult
    package func credit(
        _ account: inout Account, points: Int64, invoiceId: Int64?, facts: EntryFacts, pendingWindow: Bool,
        notice: String
    ) throws -> Int64 {
        guard points > 0 else { return 0 }
        let activates = pendingWindow ? settings.activation(from: now) : now
        let active = activates <= now
        let lotId: Int64 = try connection.query(
            """
            INSERT INTO lots (customer_id, invoice_id, points, remaining, activates_at, active, expires_at)
            VALUES (\(account.customerId), \(invoiceId), \(points), \(points), \(activates), \(active),
                    \(settings.expiry(from: activates)))
            RETURNING id
            """
        ).one().decode("id")
        var facts = facts
        facts.lotId = lotId
        let debt = active ? min(points, max(0, -account.available)) : 0
        try append(
            &account, facts, available: active ? points : 0, pending: active ? 0 : points,
            draws: debt > 0 ? [LotDraw(lotId: lotId, points: -debt)] : [], notice: notice)
        return lotId
    }

    /// Active lots with points left, soonest-expiring first.
    package func spendableLots(customerId: Int64, active: Bool = true) throws -> [SpendableLot] {
        try connection.query(
            """
            SELECT id, remaining, expires_at FROM lots
            WHERE customer_id = \(customerId) AND remaining > 0 AND active = \(active)
            ORDER BY expires_at NULLS LAST, id FOR UPDATE
            """
        ).map {
            SpendableLot(
                id: try $0.decode("id"), remaining: try $0.decode("remaining"), expiresAt: try $0.decodeIfPresent("expires_at"))
        }
    }

    /// What each lot has net given to entries matching the filter (positive: drawn from the lot).
    package func drawnByHold(_ holdId: Int64) throws -> [SpendableLot] {
        try connection.query(
            """
            SELECT l.id, l.expires_at, -sum(d.points) AS drawn
            FROM ledger_entries e JOIN lot_draws d ON d.entry_id = e.id JOIN lots l ON l.id = d.lot_id
            WHERE e.hold_id = \(holdId) GROUP BY l.id, l.expires_at HAVING sum(d.points) < 0
            """
        ).map {
            SpendableLot(
                id: try $0.decode("id"), remaining: try $0.decode("drawn"), expiresAt: try $0.decodeIfPresent("expires_at"))
        }
    }

    /// A fresh voucher number: V and 12 digits.
    package static func voucherNumber() -> String {
        "V" + String((0..<12).map { _ in "0123456789".randomElement()! })
    }
}

extension LedgerStore {
    /// Locks the account of a known customer (a return or cancellation, whatever the card's status now).
    package func lockCustomer(_ customerId: Int64) throws -> Account {
        let row = try connection.query(
            """
            SELECT (SELECT number FROM cards WHERE customer_id = u.id
                    ORDER BY (status = 'active') DESC, issued_at DESC, number LIMIT 1) AS number, u.segment
            FROM customers u WHERE u.id = \(customerId)
            """
        ).one()
        var account = Account(
            customerId: customerId, cardNumber: try row.decode("number"), available: 0, pending: 0, held: 0,
            segment: try row.decodeIfPresent("segment"), agreementFrom: nil)
        try loadBalances(&account)
        return account
    }

    /// Releases an open hold entirely: its points go back to the lots they came from.
    package func release(
        holdId: Int64, points: Int64, orderNumber: String, voucher: String, account: inout Account,
        status: String, reason: String?, source: String
    ) throws {
        let draws = LotPlan.giveBack(points, drawn: try drawnByHold(holdId))
        try append(
            &account,
            EntryFacts(
                kind: "release", orderNumber: orderNumber, voucherNumber: voucher, holdId: holdId,
                reason: reason, source: source),
            available: points, held: -points, draws: draws, notice: "points_released")
        try connection.query(
            """
            UPDATE holds SET status = \(status), resolved_at = \(now) WHERE id = \(holdId)
            """)
    }
}
