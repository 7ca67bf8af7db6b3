package import FoundationEssentials
package import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// One ledger transaction's stores: entries and lots here, and the account, invoice, hold and
/// promotion stores of the same connection. Every write runs inside the caller's transaction.
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

    package var accounts: AccountStore {
        AccountStore(
            connection: connection, programmeId: programmeId, allowNegative: settings.allowNegative,
            mayHavePools: settings.hasPooledOrganisations)
    }
    package var invoices: InvoiceStore { InvoiceStore(connection: connection, programmeId: programmeId) }
    package var holds: HoldStore { HoldStore(connection: connection, programmeId: programmeId, now: now) }
    package var promotions: PromotionStore { PromotionStore(connection: connection, programmeId: programmeId) }
    package var exclusions: ProgrammeExclusionStore {
        ProgrammeExclusionStore(connection: connection, programmeId: programmeId)
    }

    /// The earning rules in force at `date` for a customer in `segment`, with the promotions dated to
    /// cover it that the segment is offered.
    package func earningRules(at date: Date, segment: String? = nil) throws -> EarningRules {
        settings.earningRules(promotions: settings.hasPromotions ? try promotions.inForce(at: date) : [], segment: segment)
    }

    /// The programme another programme's use of `order` excludes it for (`ProgrammeExclusionStore.excluding`);
    /// nil at once for a programme that has never had an exclusion.
    package func excluded(
        order: String?, other: String?, record: (source: String, requestId: String, at: Date)? = nil
    ) throws -> String? {
        guard settings.hasExclusions || other != nil else { return nil }
        return try exclusions.excluding(order: order, other: other, record: record)
    }

    /// The limits on spending and the value of a point for this customer (its segment's, where set).
    package func policy(_ account: LedgerAccount) -> RedemptionPolicy { settings.forSegment(account.segment).policy }

    package func balance(_ account: LedgerAccount) -> BalanceView {
        BalanceView(
            cardNumber: account.cardNumber, available: account.available, pending: account.pending, held: account.held,
            currency: settings.programme.currency, value: policy(account).value(max(account.available, 0)),
            organisation: account.organisation)
    }

    /// A fresh voucher number: V and 12 digits.
    package static func voucherNumber() -> String {
        "V" + String((0..<12).map { _ in "0123456789".randomElement()! })
    }
}

/// A lot a credit makes, written with its entry.
struct NewLot {
    var invoiceId: Int64?
    var points: Int64
    var activatesAt: Date
    var active: Bool
    var expiresAt: Date?
}

/// What a new entry says besides its deltas.
package struct EntryFacts {
    package var kind: EntryKind
    package var invoiceNumber: String?
    package var orderNumber: String?
    package var voucherNumber: String?
    package var holdId: Int64?
    package var lotId: Int64?
    package var rule: JSONText = JSONText("{}")
    package var reason: String?
    package var source: String
    /// When it happened in the business (an invoice's date, a lot's expiry), when not now.
    package var businessAt: Date?
    /// Why the entry's notice is written `suppressed` rather than sent (`invoice_too_old`); nil: sent.
    package var noticeWithheld: String?

    package init(
        kind: EntryKind, invoiceNumber: String? = nil, orderNumber: String? = nil, voucherNumber: String? = nil,
        holdId: Int64? = nil, lotId: Int64? = nil, rule: JSONText = JSONText("{}"), reason: String? = nil, source: String,
        businessAt: Date? = nil, noticeWithheld: String? = nil
    ) {
        self.businessAt = businessAt
        self.noticeWithheld = noticeWithheld
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

// MARK: Entries

extension LedgerStore {
    /// Appends an entry (the trigger moves the account's balances), records its lot draws, applies
    /// them to the lots, and writes the customer's notice to the outbox.
    @discardableResult
    package func append(
        _ account: inout LedgerAccount, _ facts: EntryFacts, available: Int64 = 0, pending: Int64 = 0, held: Int64 = 0,
        draws: [LotDraw] = [], notice: LedgerNotice
    ) throws -> Int64 {
        guard available != 0 || pending != 0 || held != 0 else { return 0 }
        let before = account.available
        let entryId = try insertEntry(&account, facts, available: available, pending: pending, held: held, notice: notice).entry
        try applyDraws(entryId: entryId, LotPlan.payingDebt(draws, credit: available, balance: before))
        return entryId
    }

    /// The entry, its notice and, when `lot` is given, the new lot it credits (the entry's `lot_id`),
    /// in one statement of this transaction: the notice (kind and payload) is the entry's, so it is
    /// written with it. The entry's and the lot's ids.
    private func insertEntry(
        _ account: inout LedgerAccount, _ facts: EntryFacts, available: Int64, pending: Int64, held: Int64,
        notice: LedgerNotice, lot: NewLot? = nil
    ) throws -> (entry: Int64, lot: Int64?) {
        let after = (available: account.available + available, pending: account.pending + pending, held: account.held + held)
        // What a message says: how many points moved (always positive: the notice's kind says the
        // direction, a commit moves held points only) and, for adjustments, which way.
        let magnitude = max(abs(available + pending), abs(held))
        let direction = available + pending < 0 || (available + pending == 0 && held < 0) ? "debit" : "credit"
        let row = try connection.query(
            """
            WITH l AS (
                INSERT INTO lots (customer_id, invoice_id, points, remaining, activates_at, active, expires_at)
                SELECT \(account.customerId)::bigint, \(lot?.invoiceId)::bigint, \(lot?.points)::bigint, \(lot?.points)::bigint,
                       \(lot?.activatesAt)::timestamptz, \(lot?.active)::boolean, \(lot?.expiresAt)::timestamptz
                WHERE \(lot != nil)::boolean
                RETURNING id),
            e AS (
                INSERT INTO ledger_entries (programme_id, customer_id, card_number, kind, available_delta, pending_delta, held_delta,
                    invoice_number, order_number, voucher_number, hold_id, lot_id, rule, reason, source, request_id, at,
                    business_at)
                VALUES (\(programmeId), \(account.customerId), \(account.cardNumber), \(facts.kind), \(available), \(pending), \(held),
                        \(facts.invoiceNumber), \(facts.orderNumber), \(facts.voucherNumber), \(facts.holdId),
                        coalesce((SELECT id FROM l), \(facts.lotId)::bigint),
                        \(facts.rule)::jsonb, \(facts.reason), \(facts.source), \(requestId), \(now), \(facts.businessAt))
                RETURNING id, lot_id),
            n AS (
                INSERT INTO notices (programme_id, customer_id, kind, dedupe_key, payload, locale, status, last_error)
                SELECT \(programmeId), u.id, \(notice), 'ledger:' || e.id::text,
                       jsonb_build_object('entry_id', e.id, 'kind', \(facts.kind)::text,
                                          'points', \(magnitude)::bigint, 'direction', \(direction)::text,
                                          'card_last4', right(\(account.cardNumber)::text, 4),
                                          'available', \(after.available)::bigint, 'pending', \(after.pending)::bigint,
                                          'held', \(after.held)::bigint, 'invoice_number', \(facts.invoiceNumber)::text,
                                          'order_number', \(facts.orderNumber)::text, 'voucher_number', \(facts.voucherNumber)::text),
                       u.locale, \(facts.noticeWithheld == nil ? "pending" : "suppressed"), \(facts.noticeWithheld)
                FROM e, customers u WHERE u.id = \(account.noticeCustomerId)
                ON CONFLICT (dedupe_key) DO NOTHING)
            SELECT id, lot_id FROM e
            """
        ).one()
        account.available = after.available
        account.pending = after.pending
        account.held = after.held
        return (try row.decode("id"), try row.decodeIfPresent("lot_id"))
    }

    private func applyDraws(entryId: Int64, _ draws: [LotDraw]) throws {
        try LotStore(connection: connection).apply(entryId: entryId, draws)
    }

    /// Credits `points` as a new lot, dated `businessDate` (an invoice's date; now without it): pending
    /// until the return window, counted from that date, closes (already closed: available at once),
    /// and expiring by the programme's rule from when it became available. Points already past their
    /// expiry arrive expired: a second entry, an expiry saying so, takes them out again. Available
    /// points first pay back a negative balance. The lot, its entry and its notice are one statement.
    @discardableResult
    package func credit(
        _ account: inout LedgerAccount, points: Int64, invoiceId: Int64?, facts: EntryFacts, pendingWindow: Bool,
        notice: LedgerNotice, businessDate: Date? = nil
    ) throws -> Int64 {
        guard points > 0 else { return 0 }
        let from = businessDate ?? now
        let activates = pendingWindow ? settings.activation(from: from) : from
        let active = activates <= now
        let expires = settings.expiry(from: activates)
        var facts = facts
        facts.businessAt = businessDate
        if let businessDate, settings.tooOldForNotice(businessDate, now: now) { facts.noticeWithheld = "invoice_too_old" }
        let debt = active ? min(points, max(0, -account.available)) : 0
        let inserted = try insertEntry(
            &account, facts, available: active ? points : 0, pending: active ? 0 : points, held: 0, notice: notice,
            lot: NewLot(invoiceId: invoiceId, points: points, activatesAt: activates, active: active, expiresAt: expires))
        guard let lotId = inserted.lot else { throw FunctionError.bug("a credit's entry names no lot") }
        // The debt it pays is drawn from the new lot at once: available stays the sum of the active lots.
        if debt > 0 { try applyDraws(entryId: inserted.entry, [LotDraw(lotId: lotId, points: -debt)]) }
        if active, let expires, expires <= now, points > debt {
            let expired = EntryFacts(
                kind: .expiry, invoiceNumber: facts.invoiceNumber, orderNumber: facts.orderNumber, lotId: lotId,
                reason: "points expired before they were recorded", source: facts.source, businessAt: expires,
                noticeWithheld: facts.noticeWithheld)
            try append(
                &account, expired, available: debt - points, draws: [LotDraw(lotId: lotId, points: debt - points)],
                notice: .pointsExpired)
        }
        return lotId
    }

    /// A page of a customer's entries, newest first, before the entry `before` (all without it): its
    /// own and those of every customer merged into it (`merged_from` names theirs), so both histories
    /// show and the lines still add up to the balance (a merge's `merged_out` and `merged_in` cancel).
    package func entries(customerOf cardNumber: String, before: Int64?, limit: Int) throws -> [StatementEntry] {
        try connection.query(
            """
            WITH owner AS (SELECT puntos_survivor(customer_id) AS id FROM cards WHERE number = \(cardNumber))
            SELECT e.id, coalesce(e.business_at, e.at) AS at, e.at AS recorded_at, e.kind, e.available_delta, e.pending_delta,
                   e.held_delta, e.invoice_number, e.order_number, e.voucher_number, e.reason, e.source,
                   nullif(e.customer_id, owner.id) AS merged_from
            FROM owner CROSS JOIN LATERAL unnest(puntos_merged_customers(owner.id)) AS m (customer_id)
            CROSS JOIN LATERAL (
                SELECT * FROM ledger_entries x
                WHERE x.customer_id = m.customer_id AND (\(before)::bigint IS NULL OR x.id < \(before)::bigint)
                ORDER BY x.id DESC LIMIT \(limit)) e
            ORDER BY e.id DESC LIMIT \(limit)
            """
        ).map(StatementEntry.init)
    }

    /// The customers with something on an order (an invoice, an entry or a hold), in order; a merged
    /// customer as the survivor it was merged into.
    package func customers(orderNumber: String) throws -> [Int64] {
        try connection.query(
            """
            SELECT DISTINCT puntos_survivor(o.customer_id) AS customer_id FROM (
                SELECT customer_id FROM invoices WHERE programme_id = \(programmeId) AND order_number = \(orderNumber)
                UNION SELECT customer_id FROM invoices
                      WHERE programme_id = \(programmeId)
                        AND puntos_line_order_numbers(lines) @> jsonb_build_array(\(orderNumber)::text)
                UNION SELECT customer_id FROM ledger_entries WHERE programme_id = \(programmeId) AND order_number = \(orderNumber)
                UNION SELECT customer_id FROM holds WHERE programme_id = \(programmeId) AND order_number = \(orderNumber)) o
            ORDER BY 1
            """
        ).map { try $0.decode("customer_id") }
    }

    /// What a customer's spending on an order (holds, releases, redemptions and their reversals) net
    /// took from each lot, as draws giving it back, with the first voucher number; the spending of
    /// customers merged into it counts as its own (their lots are its lots now).
    package func spentOnOrder(_ orderNumber: String, customerId: Int64) throws -> (draws: [LotDraw], voucher: String?) {
        let rows = try connection.query(
            """
            SELECT d.lot_id, -sum(d.points) AS spent, min(e.voucher_number) AS voucher
            FROM ledger_entries e JOIN lot_draws d ON d.entry_id = e.id
            WHERE e.programme_id = \(programmeId) AND e.order_number = \(orderNumber)
              AND e.customer_id = ANY (puntos_merged_customers(\(customerId)))
              AND (e.kind IN ('hold', 'release', 'redemption') OR (e.kind = 'reversal' AND e.voucher_number IS NOT NULL))
            GROUP BY d.lot_id HAVING sum(d.points) < 0 ORDER BY d.lot_id
            """)
        let draws = try rows.map { LotDraw(lotId: try $0.decode("lot_id"), points: try $0.decode("spent")) }
        return (draws, try rows.first?.decode("voucher"))
    }
}

extension StatementEntry {
    init(_ row: PostgresRow) throws {
        let available: Int64 = try row.decode("available_delta")
        let pending: Int64 = try row.decode("pending_delta")
        let held: Int64 = try row.decode("held_delta")
        self.init(
            id: try row.decode("id"), at: try row.decode("at"), recordedAt: try row.decode("recorded_at"),
            kind: try row.decode("kind"),
            points: available + pending + held, available: available, pending: pending, held: held,
            invoiceNumber: try row.decodeIfPresent("invoice_number"), orderNumber: try row.decodeIfPresent("order_number"),
            voucherNumber: try row.decodeIfPresent("voucher_number"), reason: try row.decodeIfPresent("reason"),
            source: try row.decode("source"), mergedFrom: try row.decodeIfPresent("merged_from"))
    }
}
