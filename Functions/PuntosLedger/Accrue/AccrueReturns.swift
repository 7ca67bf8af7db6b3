import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// Returns and cancellations: earned points come back from pending first, then available; points
/// spent on a cancelled order go back into the lots they came from, with their original expiry.
extension Accrue {
    func returnInvoice(_ event: AccrueEvent.Return, _ context: FunctionContext) throws -> AccrueResult {
        let returnNumber = try Validate.text(event.returnNumber, field: "return_number", maxLength: 64)
        let number = try Validate.text(event.invoiceNumber, field: "invoice_number", maxLength: 64)
        let reason = try Validate.optionalText(event.reason, field: "reason", maxLength: 500)
        if let lines = event.lines, lines.isEmpty {
            throw FunctionError.badInput(
                .invalidValue, field: "lines", "lines must not be empty; leave it out to return everything")
        }
        return try write("return", programme: event.programme, key: returnNumber, request: event, context) { store in
            var account = try store.accounts.lock(customerId: try store.invoices.customerId(number: number))
            let invoice = try store.invoices.lock(number: number)
            let (points, uncollected) = try takeBack(
                invoice, lines: event.lines?.map { ($0.line, $0.quantity) }, reason: reason ?? "return \(returnNumber)",
                store: store, account: &account)
            try store.reviewTierAfterReturn(customerId: account.customerId, invoiceNumber: number, source: "accrue.return")
            return AccrueResult(
                invoiceNumber: number, orderNumber: invoice.orderNumber, status: "returned", points: -points,
                reason: reason, lines: nil, uncollected: uncollected, balance: store.balance(account))
        }
    }

    /// Marks lines returned and takes their points back. Returns the points taken and those left
    /// uncollected. `order` names the order on the entry when only its lines come back.
    func takeBack(
        _ invoice: InvoiceRow, lines requested: [(line: Int, quantity: Int)]?, order: String? = nil, reason: String,
        store: LedgerStore, account: inout LedgerAccount
    ) throws -> (Int64, Int64) {
        var lines = invoice.lines
        let points = try LineReturn.mark(&lines, requested: requested)
        try store.invoices.setLines(lines, invoiceId: invoice.id)
        guard invoice.status == .accrued, points > 0 else { return (0, 0) }
        let ownLot = try store.lotId(invoiceId: invoice.id)
        let plan = ReturnPlan.make(
            points: points, ownLotId: ownLot,
            pending: try store.spendableLots(customerId: account.customerId, active: false),
            available: try store.spendableLots(customerId: account.customerId),
            allowNegative: store.settings.allowNegative)
        let rule = JSONText(
            #"{"policy":"\#(store.settings.allowNegative ? "allow_negative" : "not_below_zero")","uncollected":\#(plan.uncollected)}"#
        )
        try store.append(
            &account,
            EntryFacts(
                kind: .reversal, invoiceNumber: invoice.number, orderNumber: order ?? invoice.orderNumber,
                lotId: ownLot, rule: rule, reason: reason, source: "accrue.return"),
            available: -plan.availablePoints, pending: -plan.pendingPoints,
            draws: plan.fromPending + plan.fromAvailable, notice: .pointsReturned)
        return (plan.pendingPoints + plan.availablePoints, plan.uncollected)
    }

    func cancel(_ event: AccrueEvent.Cancel, _ context: FunctionContext) throws -> AccrueResult {
        let order = try Validate.text(event.orderNumber, field: "order_number", maxLength: 64)
        let reason = try Validate.optionalText(event.reason, field: "reason", maxLength: 500) ?? "order \(order) cancelled"
        return try write(
            "cancel", programme: event.programme, key: event.idempotencyKey ?? "cancel:\(order)", request: event, context
        ) { store in
            let customers = try store.customers(orderNumber: order)
            guard let customerId = customers.first, customers.count == 1 else {
                throw FunctionError.notFound(.orderNotFound, field: "order_number", "there is no order \(order) on one card")
            }
            var account = try store.accounts.lock(customerId: customerId)
            // 1. Open holds for the order are released.
            for hold in try store.holds.open(orderNumber: order) {
                try store.release(hold, as: .released, account: &account, reason: reason, source: "accrue.cancel")
            }
            // 2. Points spent on the order go back into their lots.
            var points = try restoreSpent(order: order, reason: reason, store: store, account: &account)
            // 3. Points earned on the order's invoices come back: the whole invoice when it is the
            //    order's, else only the lines that carry the order's number.
            var uncollected: Int64 = 0
            for number in try store.invoices.numbers(orderNumber: order) {
                let invoice = try store.invoices.lock(number: number)
                let lines = invoice.orderNumber == order ? nil : LineReturn.unreturned(invoice.lines, order: order)
                let (taken, left) = try takeBack(
                    invoice, lines: lines, order: order, reason: reason, store: store, account: &account)
                points -= taken
                uncollected += left
            }
            try store.reviewTierAfterReturn(customerId: account.customerId, invoiceNumber: nil, source: "accrue.cancel")
            return AccrueResult(
                invoiceNumber: nil, orderNumber: order, status: "cancelled", points: points, reason: reason,
                lines: nil, uncollected: uncollected, balance: store.balance(account))
        }
    }

    /// Gives the points a customer spent on a cancelled order back to their lots; the points restored.
    private func restoreSpent(order: String, reason: String, store: LedgerStore, account: inout LedgerAccount) throws
        -> Int64
    {
        let spent = try store.spentOnOrder(order, customerId: account.customerId)
        guard !spent.draws.isEmpty else { return 0 }
        let restored = spent.draws.reduce(Int64(0)) { $0 + $1.points }
        try store.append(
            &account,
            EntryFacts(
                kind: .reversal, orderNumber: order, voucherNumber: spent.voucher, reason: reason, source: "accrue.cancel"),
            available: restored, draws: spent.draws, notice: .pointsRestored)
        return restored
    }
}
