package import FoundationEssentials
package import PuntosCore
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
        "POST /actions": "action",
    ]

    /// A queue batch of invoices commits once (a savepoint per message): every accrue transaction is
    /// READ COMMITTED, and each message stays idempotent on its own key.
    package static let commitsQueueBatchTogether = true

    /// The account each event locks first, as far as the event names it (its card, or its external id):
    /// a batch runs its messages in this order. Moderation, returns and cancellations find their account
    /// through the invoice, so they run after the others.
    package static func batchLockKey(_ event: AccrueEvent) -> String? {
        switch event {
        case .invoice(let event): AccountReference.lockKey(cardNumber: event.cardNumber, externalId: event.externalId)
        case .adjust(let event): AccountReference.lockKey(cardNumber: event.cardNumber, externalId: event.externalId)
        case .action(let event): AccountReference.lockKey(cardNumber: event.cardNumber, externalId: event.externalId)
        case .approve, .reject, .return, .cancel: nil
        }
    }

    package init() {}

    package func handle(_ event: AccrueEvent, context: FunctionContext) throws -> AccrueResult {
        switch event {
        case .invoice(let event): try invoice(event, context)
        case .approve(let event): try moderate(event, approve: true, context)
        case .reject(let event): try moderate(event, approve: false, context)
        case .return(let event): try returnInvoice(event, context)
        case .cancel(let event): try cancel(event, context)
        case .adjust(let event): try adjust(event, context)
        case .action(let event): try action(event, context)
        }
    }

    /// Runs a write once per key, with the ledger store at hand.
    func write<Request: Encodable>(
        _ scope: String, programme id: String?, key: String, request: Request, _ context: FunctionContext,
        _ body: (LedgerStore) throws -> AccrueResult
    ) throws -> AccrueResult {
        try LedgerStore.write("accrue.\(scope)", programme: id, key: key, request: request, context, body)
    }

    /// A date the event says something happened: not in the future, not before 2000.
    package static func date(_ date: Date, field: String, now: Date) throws {
        try Validate.notInFuture(date, field: field, now: now)
        guard date >= Date(timeIntervalSince1970: 946_684_800) else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must not be before 2000")
        }
    }

    // MARK: Invoices

    private func invoice(_ event: AccrueEvent.Invoice, _ context: FunctionContext) throws -> AccrueResult {
        let invoice = try ValidInvoice(event, now: context.now)
        let other = try ProgrammeExclusionStore.name(event.otherProgramme, field: "other_programme")
        return try write(
            "invoice", programme: event.programme, key: event.idempotencyKey ?? "invoice:\(invoice.number)", request: event,
            context
        ) { store in
            try LineValidation.currency(event.currency, programme: store.settings.programme)
            var account = try store.accounts.lockEarning(invoice.account)
            var rules = try store.earningRules(at: event.date, segment: account.segment)
            // A claim earns at the base rate: its points are fixed before moderation (Tiers, README).
            rules.tier = try event.moderation == true ? nil : store.appliedTier(customerId: account.customerId)
            var earning = rules.earn(invoice.lines, segment: account.segment, channels: store.settings.channels)
            let excluded = try store.excluded(
                order: invoice.orderNumber, other: other, record: ("accrue.invoice", context.requestId, context.now))
            let decision =
                excluded != nil
                ? InvoiceDecision(status: .notEligible, reason: ProgrammeExclusionStore.reason)
                : InvoiceDecision(
                    settings: store.settings, agreementFrom: account.agreementFrom, invoicedAt: event.date,
                    region: invoice.region, lineChannels: invoice.lines.compactMap(\.channel),
                    moderation: event.moderation == true)
            // Promotions with a budget or a per-customer cap give only what it leaves (`PromotionLimits`).
            let grants =
                decision.status == .notEligible
                ? []
                : try store.promotionLimits.take(
                    &earning, rules: rules, lines: invoice.lines, segment: account.segment,
                    channels: store.settings.channels, customerId: account.customerId, invoiceNumber: invoice.number)
            let earnings = earning.lines
            let points = decision.status == .notEligible ? 0 : earning.points
            let new = NewInvoice(
                number: invoice.number, orderNumber: invoice.orderNumber, account: account, channel: invoice.channel,
                region: invoice.region, invoicedAt: event.date, currency: event.currency, status: decision.status,
                points: points, lines: zip(invoice.lines, earnings).map { StoredLine(line: $0, earning: $1) })
            guard let invoiceId = try store.invoices.insert(new) else {
                throw FunctionError.conflict(
                    .invoiceExists, field: "number", "invoice \(invoice.number) was already recorded with other contents")
            }
            if decision.status == .accrued {
                let facts = EntryFacts(
                    kind: .accrual, invoiceNumber: invoice.number, orderNumber: invoice.orderNumber,
                    rule: try PromotionGrant.rule(
                        AccrualRule.json(rules, applied: Set(earnings.flatMap(\.promotions)), store.settings), grants),
                    source: "accrue.invoice")
                try store.credit(
                    &account, points: points, invoiceId: invoiceId, facts: facts, pendingWindow: true, notice: .pointsEarned,
                    businessDate: event.date)
                try store.qualifyForTier(customerId: account.customerId, invoiceNumber: invoice.number, source: "accrue.invoice")
            }
            return AccrueResult(
                invoiceNumber: invoice.number, orderNumber: invoice.orderNumber, status: decision.status.rawValue,
                points: points, reason: decision.reason, lines: earnings, uncollected: nil, balance: store.balance(account))
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
            var account = try store.accounts.lock(customerId: try store.invoices.customerId(number: number))
            let invoice = try store.invoices.lock(number: number)
            guard invoice.status == .pendingModeration else {
                throw FunctionError.refused(
                    .notPendingModeration, field: "invoice_number", "invoice \(number) is \(invoice.status.rawValue)")
            }
            let status: InvoiceStatus = approve ? .accrued : .rejected
            try store.invoices.setStatus(status, invoiceId: invoice.id)
            if approve {
                let rules = try store.earningRules(at: invoice.invoicedAt, segment: account.segment)
                let facts = EntryFacts(
                    kind: .accrual, invoiceNumber: number, orderNumber: invoice.orderNumber,
                    rule: try AccrualRule.json(rules, applied: Set(invoice.lines.flatMap(\.promotions)), store.settings),
                    reason: reason, source: "accrue.approve")
                try store.credit(
                    &account, points: invoice.points, invoiceId: invoice.id, facts: facts, pendingWindow: true,
                    notice: .pointsEarned, businessDate: invoice.invoicedAt)
                try store.qualifyForTier(customerId: account.customerId, invoiceNumber: number, source: "accrue.approve")
            }
            return AccrueResult(
                invoiceNumber: number, orderNumber: invoice.orderNumber, status: status.rawValue,
                points: approve ? invoice.points : 0, reason: reason, lines: nil, uncollected: nil,
                balance: store.balance(account))
        }
    }

    // MARK: Adjustments

    private func adjust(_ event: AccrueEvent.Adjust, _ context: FunctionContext) throws -> AccrueResult {
        let reference = try AccountReference(cardNumber: event.cardNumber, externalId: event.externalId)
        let reason = try Validate.text(event.reason, field: "reason", maxLength: 500)
        try Validate.pointsCorrection(event.points)
        return try write("adjust", programme: event.programme, key: event.idempotencyKey, request: event, context) { store in
            var account = try store.accounts.lock(reference)
            let facts = EntryFacts(kind: .adjustment, reason: reason, source: "accrue.adjust")
            if event.points > 0 {
                try store.credit(
                    &account, points: event.points, invoiceId: nil, facts: facts, pendingWindow: false, notice: .pointsAdjusted)
            } else {
                let take = LotPlan.take(-event.points, from: try store.spendableLots(customerId: account.customerId))
                if take.shortfall > 0 && !store.settings.allowNegative {
                    throw FunctionError.refused(
                        .insufficientPoints, field: "points", "the card has \(max(account.available, 0)) points available")
                }
                try store.append(&account, facts, available: event.points, draws: take.draws, notice: .pointsAdjusted)
            }
            return AccrueResult(
                invoiceNumber: nil, orderNumber: nil, status: "adjusted", points: event.points, reason: reason,
                lines: nil, uncollected: nil, balance: store.balance(account))
        }
    }
}

/// An invoice event's fields, validated before anything is read or written (`accrue` and `puntos import`).
package struct ValidInvoice {
    package var number: String
    package var orderNumber: String?
    package var account: AccountReference
    /// online, offline, or mixed when its lines are in both (each line keeps its own).
    package var channel: String
    package var region: String?
    package var lines: [InvoiceLine]

    package init(_ event: AccrueEvent.Invoice, now: Date) throws {
        number = try Validate.text(event.number, field: "number", maxLength: 64)
        orderNumber = try Validate.optionalText(event.orderNumber, field: "order_number", maxLength: 64)
        account = try AccountReference(cardNumber: event.cardNumber, externalId: event.externalId)
        let channel = try LineValidation.channel(event.channel, orderNumber: orderNumber)
        region = try Validate.optionalText(event.region, field: "region", maxLength: 64)
        try Accrue.date(event.date, field: "date", now: now)
        lines = try LineValidation.lines(event.lines, channel: channel)
        self.channel = LineValidation.invoiceChannel(lines, default: channel)
    }
}
