import FoundationEssentials
import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// `balance`: the balance, the statement and the forecast. Reads only.
package struct Balance: FunctionHandler {
    package static let name = "balance"

    package static let httpRoutes = [
        "GET /cards/{card_number}/balance": "balance",
        "GET /cards/{card_number}/statement": "statement",
        "POST /forecast": "forecast",
    ]

    package init() {}

    package func handle(_ event: BalanceEvent, context: FunctionContext) throws -> BalanceResult {
        switch event {
        case .balance(let event):
            let (card, external) = try Accrue.cardOrCustomer(event.cardNumber, event.externalId)
            return try read(event.programme, context) { store in
                BalanceResult(balance: try Self.account(card, external, store))
            }
        case .statement(let event): return try statement(event, context)
        case .forecast(let event): return try forecast(event, context)
        case .liability(let event): return try liability(event, context)
        }
    }

    private func read(_ programme: String?, _ context: FunctionContext, _ body: (LedgerStore) throws -> BalanceResult) throws
        -> BalanceResult
    {
        let id = try Validate.programme(programme)
        return try context.database.withTransaction(isolation: .repeatableRead) { connection in
            try body(
                LedgerStore(
                    connection: connection, settings: try LedgerSettings.load(id, from: connection),
                    requestId: context.requestId, now: context.now))
        }
    }

    /// The balance of a card, whatever its status (a blocked card may still look).
    static func account(_ card: String?, _ external: String?, _ store: LedgerStore) throws -> BalanceView {
        let row = try store.connection.query(
            """
            SELECT c.number, c.customer_id, coalesce(a.available, 0) AS available, coalesce(a.pending, 0) AS pending,
                   coalesce(a.held, 0) AS held
            FROM cards c JOIN customers u ON u.id = c.customer_id LEFT JOIN accounts a ON a.customer_id = c.customer_id
            WHERE c.programme_id = \(store.settings.programme.id)
              AND (c.number = \(card) OR (\(card)::text IS NULL AND u.external_id = \(external)))
            ORDER BY (c.status = 'active') DESC, c.issued_at DESC LIMIT 1
            """
        ).first
        guard let row else {
            throw FunctionError.notFound(
                .cardNotFound, field: card != nil ? "card_number" : "external_id", "there is no such card")
        }
        let account = LedgerStore.Account(
            customerId: try row.decode("customer_id"), cardNumber: try row.decode("number"),
            available: try row.decode("available"), pending: try row.decode("pending"),
            held: try row.decode("held"), segment: nil, agreementFrom: nil)
        return store.balance(account)
    }

    private func statement(_ event: BalanceEvent.Statement, _ context: FunctionContext) throws -> BalanceResult {
        let (card, external) = try Accrue.cardOrCustomer(event.cardNumber, event.externalId)
        let limit = event.limit ?? 50
        guard (1...200).contains(limit) else {
            throw FunctionError.badInput(.invalidValue, field: "limit", "limit must be 1 to 200")
        }
        let before: Int64? = try event.cursor.map {
            guard let id = Int64($0), id > 0 else {
                throw FunctionError.badInput(
                    .invalidCursor, field: "cursor", "cursor must be the next_cursor of a previous page")
            }
            return id
        }
        return try read(event.programme, context) { store in
            let balance = try Self.account(card, external, store)
            let rows = try store.connection.query(
                """
                SELECT id, at, kind, available_delta, pending_delta, held_delta, invoice_number, order_number, voucher_number,
                       reason, source
                FROM ledger_entries
                WHERE customer_id = (SELECT customer_id FROM cards WHERE number = \(balance.cardNumber))
                  AND (\(before)::bigint IS NULL OR id < \(before)::bigint)
                ORDER BY id DESC LIMIT \(limit + 1)
                """)
            let entries = try rows.prefix(limit).map { row in
                let available: Int64 = try row.decode("available_delta")
                let pending: Int64 = try row.decode("pending_delta")
                let held: Int64 = try row.decode("held_delta")
                return StatementEntry(
                    id: try row.decode("id"), at: try row.decode("at"), kind: try row.decode("kind"),
                    points: available + pending + held, available: available, pending: pending, held: held,
                    invoiceNumber: try row.decodeIfPresent("invoice_number"),
                    orderNumber: try row.decodeIfPresent("order_number"),
                    voucherNumber: try row.decodeIfPresent("voucher_number"),
                    reason: try row.decodeIfPresent("reason"), source: try row.decode("source"))
            }
            let next = rows.count > limit ? entries.last.map { String($0.id) } : nil
            return BalanceResult(balance: balance, entries: entries, nextCursor: next)
        }
    }

    private func forecast(_ event: BalanceEvent.Forecast, _ context: FunctionContext) throws -> BalanceResult {
        let lines = try LineValidation.lines(event.lines)
        let channel = try LineValidation.channel(event.channel ?? "online", orderNumber: nil)
        let card = try event.cardNumber.map { try Validate.cardNumber($0, field: "card_number").digits }
        let date = event.date ?? context.now
        try Accrue.date(date, field: "date", now: context.now.addingTimeInterval(366 * 86_400))
        return try read(event.programme, context) { store in
            var segment: String?
            if let card {
                guard
                    let row = try store.connection.query(
                        """
                        SELECT u.segment FROM cards c JOIN customers u ON u.id = c.customer_id
                        WHERE c.number = \(card) AND c.programme_id = \(store.settings.programme.id)
                        """
                    ).first
                else {
                    throw FunctionError.notFound(.cardNotFound, field: "card_number", "there is no such card")
                }
                segment = try row.decodeIfPresent("segment")
            }
            let rules = try store.settings.earningRules(at: date, connection: store.connection)
            let earnings = lines.map { rules.earn($0, segment: segment, channel: channel) }
            let points = earnings.reduce(Int64(0)) { $0 + $1.points }
            return BalanceResult(forecast: .init(points: points, value: store.settings.policy.value(points), lines: earnings))
        }
    }
}
