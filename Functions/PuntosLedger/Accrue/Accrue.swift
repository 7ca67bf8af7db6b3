import FoundationEssentials
import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// `accrue`: invoices earn points; claims wait for moderation; returns, cancellations and manual
/// adjustments move them back.
package struct Accrue: FunctionHandler {
    package static let name = "accrue"

    package static let httpRoutes = [
        "POST /invoices": "invoice",
        "POST /invoices/{invoice_number}/approve": "approve",
        "POST /invoices/{invoice_number}/reject": "reject",
        "POST /returns": "return",
        "POST /orders/{order_number}/cancel": "cancel",
        "POST /adjustments": "adjust",
    ]

    package init() {}

    package func handle(_ event: AccrueEvent, context: FunctionContext) throws -> AccrueResult {
        switch event {
        case .invoice(let event): try invoice(event, context)
        case .approve(let event): try moderate(event, approve: true, context)
        case .reject(let event): try moderate(event, approve: false, context)
        case .return(let event): try returnInvoice(event, context)
        case .cancel(let event): try cancel(event, context)
        case .adjust(let event): try adjust(event, context)
        }
    }

    /// Runs a write once per key, with the ledger store at hand.
    func write<Request: Encodable>(
        _ scope: String, programme id: String?, key: String, request: Request, _ context: FunctionContext,
        _ body: (LedgerStore) throws -> AccrueResult
    ) throws -> AccrueResult {
        try LedgerStore.write("accrue.\(scope)", programme: id, key: key, request: request, context, body)
    }

    static func cardOrCustomer(_ cardNumber: String?, _ externalId: String?) throws -> (String?, String?) {
        switch (cardNumber, externalId) {
        case (let card?, nil): return (try Validate.cardNumber(card, field: "card_number").digits, nil)
        case (nil, let external?): return (nil, try Validate.text(external, field: "external_id", maxLength: 128))
        default:
            throw FunctionError.badInput(.invalidValue, field: "card_number", "give exactly one of card_number and external_id")
        }
    }

    static func date(_ date: Date, field: String, now: Date) throws {
        guard date <= now.addingTimeInterval(300) else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must not be in the future")
        }
        guard date >= Date(timeIntervalSince1970: 946_684_800) else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must not be before 2000")
        }
    }

    static func rule(_ rules: EarningRules, applied: Set<String>, _ settings: LedgerSettings) throws -> JSONText {
        var inForce = rules
        inForce.promotions = rules.promotions.filter { applied.contains($0.code) }
        struct Rule: Encodable {
            var earning: EarningRules
            var pendingDays: Int
            var expiry: String
            var expiryDays: Int?
            enum CodingKeys: String, CodingKey { case earning, expiry, pendingDays = "pending_days", expiryDays = "expiry_days" }
        }
        let data = try JSONCoding.encode(
            Rule(
                earning: inForce, pendingDays: settings.pendingDays, expiry: settings.expiry,
                expiryDays: settings.expiryDays))
        return JSONText(String(decoding: data, as: UTF8.self))
    }

    // MARK: Invoices

    private func invoice(_ event: AccrueEvent.Invoice, _ context: FunctionContext) throws -> AccrueResult {
        let number = try Validate.text(event.number, field: "number", maxLength: 64)
        let orderNumber = try Validate.optionalText(event.orderNumber, field: "order_number", maxLength: 64)
        let (cardNumber, externalId) = try Self.cardOrCustomer(event.cardNumber, event.externalId)
        let channel = try LineValidation.channel(event.channel, orderNumber: orderNumber)
        let region = try Validate.optionalText(event.region, field: "region", maxLength: 64)
        try Self.date(event.date, field: "date", now: context.now)
        let lines = try LineValidation.lines(event.lines)
        return try write(
            "invoice", programme: event.programme, key: event.idempotencyKey ?? "invoice:\(number)", request: event, context
        ) { store in
            let settings = store.settings
            try LineValidation.currency(event.currency, programme: settings.programme)
            var account = try store.lockAccount(cardNumber: cardNumber, externalId: externalId)
            let rules = try settings.earningRules(at: event.date, connection: store.connection)
            let earnings = lines.map { rules.earn($0, segment: account.segment, channel: channel) }
            let total = earnings.reduce(Int64(0)) { $0 + $1.points }
            var status = "accrued"
            var reason: String?
            if settings.programme.agreementRequired, account.agreementFrom.map({ $0 > event.date }) ?? true {
                (status, reason) = ("not_eligible", "no_agreement")
            } else if let regions = settings.regions, !regions.contains(region ?? "") {
                (status, reason) = ("not_eligible", "region_disabled")
            } else if !settings.channels.contains(channel) {
                (status, reason) = ("not_eligible", "channel_disabled")
            } else if event.moderation == true {
                status = "pending_moderation"
            }
            let stored = zip(lines, earnings).map { StoredLine(line: $0, earning: $1) }
            let linesJSON = JSONText(String(decoding: try JSONCoding.encode(stored), as: UTF8.self))
            let points = status == "not_eligible" ? 0 : total
            guard
                let invoiceId: Int64 = try store.connection.query(
                    """
                    INSERT INTO invoices (programme_id, number, order_number, customer_id, card_number, channel, region,
                                          invoiced_at, currency, status, points, lines)
                    VALUES (\(settings.programme.id), \(number), \(orderNumber), \(account.customerId), \(account.cardNumber),
                            \(channel), \(region), \(event.date), \(event.currency), \(status), \(points), \(linesJSON)::jsonb)
                    ON CONFLICT (programme_id, number) DO NOTHING RETURNING id
                    """
                ).first?.decode("id")
            else {
                throw FunctionError.conflict(
                    .invoiceExists, field: "number", "invoice \(number) was already recorded with other contents")
            }
            if status == "accrued" {
                let applied = Set(earnings.flatMap(\.promotions))
                try store.credit(
                    &account, points: points, invoiceId: invoiceId,
                    facts: .init(
                        kind: "accrual", invoiceNumber: number, orderNumber: orderNumber,
                        rule: try Self.rule(rules, applied: applied, settings), source: "accrue.invoice"),
                    pendingWindow: true, notice: "points_earned")
            }
            return AccrueResult(
                invoiceNumber: number, orderNumber: orderNumber, status: status, points: points, reason: reason,
                lines: earnings, uncollected: nil, balance: store.balance(account))
        }
    }

    private func moderate(_ event: AccrueEvent.Moderation, approve: Bool, _ context: FunctionContext) throws -> AccrueResult {
        let number = try Validate.text(event.invoiceNumber, field: "invoice_number", maxLength: 64)
        let reason = try Validate.optionalText(event.reason, field: "reason", maxLength: 500)
        let scope = approve ? "approve" : "reject"
        return try write(
            scope, programme: event.programme, key: event.idempotencyKey ?? "\(scope):\(number)", request: event, context
        ) { store in
            // The account first, then the invoice: every ledger write takes its locks in that order.
            var account = try store.lockCustomer(try InvoiceRecord.customerId(number, store: store))
            let invoice = try InvoiceRecord.lock(number, store: store)
            guard invoice.status == "pending_moderation" else {
                throw FunctionError.refused(
                    .notPendingModeration, field: "invoice_number", "invoice \(number) is \(invoice.status)")
            }
            let status = approve ? "accrued" : "rejected"
            try store.connection.query("UPDATE invoices SET status = \(status) WHERE id = \(invoice.id)")
            if approve {
                let rules = try store.settings.earningRules(at: invoice.invoicedAt, connection: store.connection)
                let applied = Set(invoice.lines.flatMap(\.promotions))
                try store.credit(
                    &account, points: invoice.points, invoiceId: invoice.id,
                    facts: .init(
                        kind: "accrual", invoiceNumber: number, orderNumber: invoice.orderNumber,
                        rule: try Self.rule(rules, applied: applied, store.settings), reason: reason,
                        source: "accrue.approve"),
                    pendingWindow: true, notice: "points_earned")
            }
            return AccrueResult(
                invoiceNumber: number, orderNumber: invoice.orderNumber, status: status,
                points: approve ? invoice.points : 0, reason: reason, lines: nil, uncollected: nil,
                balance: store.balance(account))
        }
    }

    // MARK: Adjustments

    private func adjust(_ event: AccrueEvent.Adjust, _ context: FunctionContext) throws -> AccrueResult {
        let (cardNumber, externalId) = try Self.cardOrCustomer(event.cardNumber, event.externalId)
        let reason = try Validate.text(event.reason, field: "reason", maxLength: 500)
        guard event.points != 0, (-100_000_000...100_000_000).contains(event.points) else {
            throw FunctionError.badInput(
                .invalidValue, field: "points", "points must be non-zero and at most 100000000 either way")
        }
        return try write("adjust", programme: event.programme, key: event.idempotencyKey, request: event, context) { store in
            var account = try store.lockAccount(cardNumber: cardNumber, externalId: externalId)
            let facts = LedgerStore.EntryFacts(kind: "adjustment", reason: reason, source: "accrue.adjust")
            if event.points > 0 {
                try store.credit(
                    &account, points: event.points, invoiceId: nil, facts: facts, pendingWindow: false, notice: "points_adjusted")
            } else {
                let take = LotPlan.take(-event.points, from: try store.spendableLots(customerId: account.customerId))
                if take.shortfall > 0 && !store.settings.allowNegative {
                    throw FunctionError.refused(
                        .insufficientPoints, field: "points", "the card has \(max(account.available, 0)) points available")
                }
                try store.append(&account, facts, available: event.points, draws: take.draws, notice: "points_adjusted")
            }
            return AccrueResult(
                invoiceNumber: nil, orderNumber: nil, status: "adjusted", points: event.points, reason: reason,
                lines: nil, uncollected: nil, balance: store.balance(account))
        }
    }
}

/// An invoice line as stored: what it was, what it earned, how much of it came back.
struct StoredLine: Codable, Sendable {
    var sku: String
    var brand: String?
    var category: String?
    var quantity: Int
    var amount: Decimal
    var paidWithPoints: Decimal
    var points: Int64
    var promotions: [String]
    var returned: Int

    init(line: EarnLine, earning: LineEarning) {
        sku = line.sku
        brand = line.brand
        category = line.category
        quantity = line.quantity
        amount = line.amount
        paidWithPoints = line.paidWithPoints
        points = earning.points
        promotions = earning.promotions
        returned = 0
    }

    enum CodingKeys: String, CodingKey {
        case sku, brand, category, quantity, amount, points, promotions, returned, paidWithPoints = "paid_with_points"
    }
}

/// An invoice, locked for a moderation or a return.
struct InvoiceRecord {
    var id: Int64
    var number: String
    var customerId: Int64
    var orderNumber: String?
    var status: String
    var points: Int64
    var invoicedAt: Date
    var lines: [StoredLine]

    /// The invoice's customer, read without a lock so that the account can be locked first.
    static func customerId(_ number: String, store: LedgerStore) throws -> Int64 {
        guard
            let row = try store.connection.query(
                """
                SELECT customer_id FROM invoices WHERE programme_id = \(store.settings.programme.id) AND number = \(number)
                """
            ).first
        else {
            throw FunctionError.notFound(.invoiceNotFound, field: "invoice_number", "there is no invoice \(number)")
        }
        return try row.decode("customer_id")
    }

    static func lock(_ number: String, store: LedgerStore) throws -> InvoiceRecord {
        guard
            let row = try store.connection.query(
                """
                SELECT id, number, customer_id, order_number, status, points, invoiced_at, lines::text AS lines FROM invoices
                WHERE programme_id = \(store.settings.programme.id) AND number = \(number) FOR UPDATE
                """
            ).first
        else {
            throw FunctionError.notFound(.invoiceNotFound, field: "invoice_number", "there is no invoice \(number)")
        }
        return try InvoiceRecord(row)
    }

    init(_ row: PostgresRow) throws {
        id = try row.decode("id")
        number = try row.decode("number")
        customerId = try row.decode("customer_id")
        orderNumber = try row.decodeIfPresent("order_number")
        status = try row.decode("status")
        points = try row.decode("points")
        invoicedAt = try row.decode("invoiced_at")
        let text: String = try row.decode("lines")
        lines = try JSONCoding.decoder().decode([StoredLine].self, from: Data(text.utf8))
    }
}
