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
            var account = try store.lockCustomer(try InvoiceRecord.customerId(number, store: store))
            let invoice = try InvoiceRecord.lock(number, store: store)
            let (points, uncollected) = try takeBack(
                invoice, lines: event.lines, reason: reason ?? "return \(returnNumber)",
                store: store, account: &account)
            return AccrueResult(
                invoiceNumber: number, orderNumber: invoice.orderNumber, status: "returned", points: -points,
                reason: reason, lines: nil, uncollected: uncollected, balance: store.balance(account))
        }
    }

    /// Marks lines returned and takes their points back. Returns the points taken and those left uncollected.
    func takeBack(
        _ invoice: InvoiceRecord, lines requested: [AccrueEvent.ReturnLine]?, reason: String,
        store: LedgerStore, account: inout LedgerStore.Account
    ) throws -> (Int64, Int64) {
        var lines = invoice.lines
        let wanted =
            requested.map { $0.map { ($0.line, $0.quantity) } }
            ?? lines.indices.map { ($0, lines[$0].quantity - lines[$0].returned) }.filter { $0.1 > 0 }
        var points: Int64 = 0
        for (index, (line, quantity)) in wanted.enumerated() {
            guard lines.indices.contains(line) else {
                throw FunctionError.badInput(.invalidValue, field: "lines[\(index)].line", "the invoice has no line \(line)")
            }
            let left = lines[line].quantity - lines[line].returned
            guard quantity >= 1, quantity <= left else {
                throw FunctionError.badInput(
                    .invalidValue, field: "lines[\(index)].quantity",
                    "quantity must be 1 to \(left), the units of line \(line) not yet returned")
            }
            points += ReturnPlan.linePoints(
                points: lines[line].points, quantity: lines[line].quantity,
                returnedBefore: lines[line].returned, returnedAfter: lines[line].returned + quantity)
            lines[line].returned += quantity
        }
        let linesJSON = JSONText(String(decoding: try JSONCoding.encode(lines), as: UTF8.self))
        try store.connection.query("UPDATE invoices SET lines = \(linesJSON)::jsonb WHERE id = \(invoice.id)")
        guard invoice.status == "accrued", points > 0 else { return (0, 0) }
        let ownLot: Int64? = try store.connection.query("SELECT id FROM lots WHERE invoice_id = \(invoice.id)").first?.decode(
            "id")
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
            .init(
                kind: "reversal", invoiceNumber: invoice.number, orderNumber: invoice.orderNumber,
                lotId: ownLot, rule: rule, reason: reason, source: "accrue.return"),
            available: -plan.availablePoints, pending: -plan.pendingPoints,
            draws: plan.fromPending + plan.fromAvailable, notice: "points_returned")
        return (plan.pendingPoints + plan.availablePoints, plan.uncollected)
    }

    func cancel(_ event: AccrueEvent.Cancel, _ context: FunctionContext) throws -> AccrueResult {
        let order = try Validate.text(event.orderNumber, field: "order_number", maxLength: 64)
        let reason = try Validate.optionalText(event.reason, field: "reason", maxLength: 500) ?? "order \(order) cancelled"
        return try write(
            "cancel", programme: event.programme, key: event.idempotencyKey ?? "cancel:\(order)", request: event, context
        ) { store in
            let programme = store.settings.programme.id
            let customers: [Int64] = try store.connection.query(
                """
                SELECT customer_id FROM invoices WHERE programme_id = \(programme) AND order_number = \(order)
                UNION SELECT customer_id FROM ledger_entries WHERE programme_id = \(programme) AND order_number = \(order)
                UNION SELECT customer_id FROM holds WHERE programme_id = \(programme) AND order_number = \(order)
                ORDER BY 1
                """
            ).map { try $0.decode("customer_id") }
            guard let customerId = customers.first, customers.count == 1 else {
                throw FunctionError.notFound(.orderNotFound, field: "order_number", "there is no order \(order) on one card")
            }
            var account = try store.lockCustomer(customerId)
            var points: Int64 = 0
            var uncollected: Int64 = 0
            // 1. Open holds for the order are released.
            for row in try store.connection.query(
                """
                SELECT id, points, voucher_number FROM holds
                WHERE programme_id = \(programme) AND order_number = \(order) AND status = 'open' FOR UPDATE
                """)
            {
                try store.release(
                    holdId: try row.decode("id"), points: try row.decode("points"), orderNumber: order,
                    voucher: try row.decode("voucher_number"), account: &account, status: "released",
                    reason: reason, source: "accrue.cancel")
            }
            // 2. Points spent on the order go back into their lots.
            let spent = try store.connection.query(
                """
                SELECT d.lot_id, -sum(d.points) AS spent, min(e.voucher_number) AS voucher
                FROM ledger_entries e JOIN lot_draws d ON d.entry_id = e.id
                WHERE e.programme_id = \(programme) AND e.order_number = \(order) AND e.customer_id = \(customerId)
                  AND (e.kind IN ('hold', 'release', 'redemption') OR (e.kind = 'reversal' AND e.voucher_number IS NOT NULL))
                GROUP BY d.lot_id HAVING sum(d.points) < 0 ORDER BY d.lot_id
                """)
            if !spent.isEmpty {
                let draws = try spent.map { LotDraw(lotId: try $0.decode("lot_id"), points: try $0.decode("spent")) }
                let restored = draws.reduce(Int64(0)) { $0 + $1.points }
                try store.append(
                    &account,
                    .init(
                        kind: "reversal", orderNumber: order, voucherNumber: try spent[0].decode("voucher"),
                        reason: reason, source: "accrue.cancel"),
                    available: restored, draws: draws, notice: "points_restored")
                points += restored
            }
            // 3. Points earned on the order's invoices come back.
            for row in try store.connection.query(
                """
                SELECT number FROM invoices WHERE programme_id = \(programme) AND order_number = \(order) ORDER BY id
                """)
            {
                let invoice = try InvoiceRecord.lock(try row.decode("number"), store: store)
                let (taken, left) = try takeBack(invoice, lines: nil, reason: reason, store: store, account: &account)
                points -= taken
                uncollected += left
            }
            return AccrueResult(
                invoiceNumber: nil, orderNumber: order, status: "cancelled", points: points, reason: reason,
                lines: nil, uncollected: uncollected, balance: store.balance(account))
        }
    }
}
