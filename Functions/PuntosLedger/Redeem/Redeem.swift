import FoundationEssentials
import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// `redeem`: hold points at checkout, commit all or part of the hold, release it; or spend at once.
package struct Redeem: FunctionHandler {
    package static let name = "redeem"

    package static let httpRoutes = [
        "POST /holds": "hold",
        "POST /holds/{voucher_number}/commit": "commit",
        "POST /holds/{voucher_number}/release": "release",
        "POST /redemptions": "redeem",
    ]

    package init() {}

    package func handle(_ event: RedeemEvent, context: FunctionContext) throws -> RedeemResult {
        switch event {
        case .hold(let event): try spend(event, hold: true, context)
        case .redeem(let event): try spend(event, hold: false, context)
        case .commit(let event): try commit(event, context)
        case .release(let event): try release(event, context)
        }
    }

    private func write<Request: Encodable>(
        _ scope: String, programme id: String?, key: String?, request: Request, _ context: FunctionContext,
        _ body: (LedgerStore) throws -> RedeemResult
    ) throws -> RedeemResult {
        try LedgerStore.write("redeem.\(scope)", programme: id, key: key, request: request, context, body)
    }

    private func spend(_ event: RedeemEvent.Spend, hold: Bool, _ context: FunctionContext) throws -> RedeemResult {
        let (cardNumber, externalId) = try Accrue.cardOrCustomer(event.cardNumber, event.externalId)
        let order = try Validate.text(event.orderNumber, field: "order_number", maxLength: 64)
        try LineValidation.money(event.orderAmount, field: "order_amount")
        guard event.orderAmount > 0 else {
            throw FunctionError.badInput(.invalidValue, field: "order_amount", "order_amount must be positive")
        }
        guard (1...100_000_000).contains(event.points) else {
            throw FunctionError.badInput(.invalidValue, field: "points", "points must be 1 to 100000000")
        }
        if let minutes = event.minutes, !(1...1440).contains(minutes) {
            throw FunctionError.badInput(.invalidValue, field: "minutes", "minutes must be 1 to 1440")
        }
        let scope = hold ? "hold" : "redeem"
        return try write(scope, programme: event.programme, key: event.idempotencyKey, request: event, context) { store in
            var account = try store.lockAccount(cardNumber: cardNumber, externalId: externalId)
            try store.releaseTimedOutHolds(&account)
            try store.settings.policy.check(points: event.points, orderAmount: event.orderAmount, available: account.available)
            let take = LotPlan.take(event.points, from: try store.spendableLots(customerId: account.customerId))
            guard take.shortfall == 0 else {
                throw FunctionError.refused(
                    .insufficientPoints, field: "points", "the card has \(account.available) points available")
            }
            let voucher = LedgerStore.voucherNumber()
            var expiresAt: Date?
            if hold {
                let expiry = context.now.addingTimeInterval(Double(event.minutes ?? store.settings.holdMinutes) * 60)
                expiresAt = expiry
                guard
                    let holdId: Int64 = try store.connection.query(
                        """
                        INSERT INTO holds (programme_id, customer_id, card_number, order_number, voucher_number, points, order_amount,
                                           status, expires_at, created_at)
                        VALUES (\(store.settings.programme.id), \(account.customerId), \(account.cardNumber), \(order), \(voucher),
                                \(event.points), \(event.orderAmount), 'open', \(expiry), \(context.now))
                        ON CONFLICT DO NOTHING RETURNING id
                        """
                    ).first?.decode("id")
                else {
                    throw FunctionError.conflict(
                        .orderHasHold, field: "order_number", "order \(order) already has an open hold")
                }
                try store.append(
                    &account,
                    .init(
                        kind: "hold", orderNumber: order, voucherNumber: voucher, holdId: holdId,
                        source: "redeem.hold"),
                    available: -event.points, held: event.points, draws: take.draws, notice: "points_held")
            } else {
                try store.append(
                    &account, .init(kind: "redemption", orderNumber: order, voucherNumber: voucher, source: "redeem.redeem"),
                    available: -event.points, draws: take.draws, notice: "points_spent")
            }
            return RedeemResult(
                voucherNumber: voucher, orderNumber: order, status: hold ? "held" : "redeemed", points: event.points,
                value: store.settings.policy.value(event.points), expiresAt: expiresAt, balance: store.balance(account))
        }
    }

    private func commit(_ event: RedeemEvent.Commit, _ context: FunctionContext) throws -> RedeemResult {
        let reference = try HoldReference(voucher: event.voucherNumber, order: event.orderNumber)
        if let points = event.points, !(1...100_000_000).contains(points) {
            throw FunctionError.badInput(.invalidValue, field: "points", "points must be 1 to 100000000")
        }
        if let amount = event.orderAmount {
            try LineValidation.money(amount, field: "order_amount")
        }
        return try write("commit", programme: event.programme, key: event.idempotencyKey, request: event, context) { store in
            var account = try store.lockCustomer(try HoldRecord.lock(reference, store: store, forUpdate: false).customerId)
            let hold = try HoldRecord.lock(reference, store: store)
            let voucher = hold.voucherNumber
            try hold.requireOpen(now: context.now)
            var points = event.points ?? hold.points
            if points > hold.points {
                throw FunctionError.refused(.exceedsHold, field: "points", "the hold is for \(hold.points) points")
            }
            if let amount = event.orderAmount {
                points = min(points, store.settings.policy.maxPoints(orderAmount: amount))
            }
            if points < max(store.settings.policy.minimum, 1) {
                throw FunctionError.refused(
                    .belowMinimum, field: "points",
                    "at least \(store.settings.policy.minimum) points must be redeemed; release the hold instead")
            }
            try store.append(
                &account,
                .init(
                    kind: "redemption", orderNumber: hold.orderNumber, voucherNumber: voucher, holdId: hold.id,
                    source: "redeem.commit"),
                held: -points, notice: "points_spent")
            let rest = hold.points - points
            if rest > 0 {
                try store.append(
                    &account,
                    .init(
                        kind: "release", orderNumber: hold.orderNumber, voucherNumber: voucher, holdId: hold.id,
                        reason: "committed \(points) of \(hold.points)", source: "redeem.commit"),
                    available: rest, held: -rest, draws: LotPlan.giveBack(rest, drawn: try store.drawnByHold(hold.id)),
                    notice: "points_released")
            }
            try store.connection.query(
                """
                UPDATE holds SET status = 'committed', committed_points = \(points), resolved_at = \(context.now) WHERE id = \(hold.id)
                """)
            return RedeemResult(
                voucherNumber: voucher, orderNumber: hold.orderNumber, status: "committed", points: points,
                value: store.settings.policy.value(points), expiresAt: nil, balance: store.balance(account))
        }
    }

    private func release(_ event: RedeemEvent.Release, _ context: FunctionContext) throws -> RedeemResult {
        let reference = try HoldReference(voucher: event.voucherNumber, order: event.orderNumber)
        let reason = try Validate.optionalText(event.reason, field: "reason", maxLength: 500)
        return try write("release", programme: event.programme, key: event.idempotencyKey, request: event, context) { store in
            var account = try store.lockCustomer(try HoldRecord.lock(reference, store: store, forUpdate: false).customerId)
            let hold = try HoldRecord.lock(reference, store: store)
            let voucher = hold.voucherNumber
            guard hold.status == "open" else {
                throw FunctionError.refused(
                    .holdIs(hold.status), field: "voucher_number", "the hold is \(hold.status.replacing("_", with: " "))")
            }
            try store.release(
                holdId: hold.id, points: hold.points, orderNumber: hold.orderNumber, voucher: voucher, account: &account,
                status: "released", reason: reason, source: "redeem.release")
            return RedeemResult(
                voucherNumber: voucher, orderNumber: hold.orderNumber, status: "released", points: hold.points,
                value: store.settings.policy.value(hold.points), expiresAt: nil, balance: store.balance(account))
        }
    }
}

/// A hold, locked for a commit or a release.
/// A hold named by its voucher number or by its order's number.
struct HoldReference {
    var voucher: String?
    var order: String?

    init(voucher: String?, order: String?) throws {
        switch (voucher, order) {
        case (let voucher?, nil): self.voucher = try Validate.text(voucher, field: "voucher_number", maxLength: 32)
        case (nil, let order?): self.order = try Validate.text(order, field: "order_number", maxLength: 64)
        default:
            throw FunctionError.badInput(
                .invalidValue, field: "voucher_number", "give exactly one of voucher_number and order_number")
        }
    }

    var key: String { voucher.map { "voucher:\($0)" } ?? "order:\(order ?? "")" }
    var field: String { voucher != nil ? "voucher_number" : "order_number" }
}

struct HoldRecord {
    var id: Int64
    var voucherNumber: String
    var customerId: Int64
    var orderNumber: String
    var points: Int64
    var status: String
    var expiresAt: Date

    /// The hold, locked; `forUpdate: false` reads it only, to find the account to lock first.
    static func lock(_ reference: HoldReference, store: LedgerStore, forUpdate: Bool = true) throws -> HoldRecord {
        let rows =
            forUpdate
            ? try store.connection.query(
                """
                SELECT id, voucher_number, customer_id, order_number, points, status, expires_at FROM holds
                WHERE programme_id = \(store.settings.programme.id)
                  AND (voucher_number = \(reference.voucher) OR (\(reference.voucher)::text IS NULL AND order_number = \(reference.order)))
                ORDER BY id DESC LIMIT 1 FOR UPDATE
                """)
            : try store.connection.query(
                """
                SELECT id, voucher_number, customer_id, order_number, points, status, expires_at FROM holds
                WHERE programme_id = \(store.settings.programme.id)
                  AND (voucher_number = \(reference.voucher) OR (\(reference.voucher)::text IS NULL AND order_number = \(reference.order)))
                ORDER BY id DESC LIMIT 1
                """)
        guard let row = rows.first else {
            throw FunctionError.notFound(.holdNotFound, field: reference.field, "there is no such hold")
        }
        return HoldRecord(
            id: try row.decode("id"), voucherNumber: try row.decode("voucher_number"), customerId: try row.decode("customer_id"),
            orderNumber: try row.decode("order_number"),
            points: try row.decode("points"), status: try row.decode("status"), expiresAt: try row.decode("expires_at"))
    }

    func requireOpen(now: Date) throws {
        guard status == "open" else {
            throw FunctionError.refused(
                .holdIs(status), field: "voucher_number", "the hold is \(status.replacing("_", with: " "))")
        }
        guard expiresAt > now else {
            throw FunctionError.refused(.holdTimedOut, field: "voucher_number", "the hold timed out and its points went back")
        }
    }
}

extension LedgerStore {
    /// Releases the customer's holds whose time is up (the account is locked by the caller).
    package func releaseTimedOutHolds(_ account: inout Account) throws {
        for row in try connection.query(
            """
            SELECT id, points, order_number, voucher_number FROM holds
            WHERE customer_id = \(account.customerId) AND status = 'open' AND expires_at <= \(now) ORDER BY id FOR UPDATE
            """)
        {
            try release(
                holdId: try row.decode("id"), points: try row.decode("points"), orderNumber: try row.decode("order_number"),
                voucher: try row.decode("voucher_number"), account: &account, status: "timed_out",
                reason: "hold timed out", source: "expire")
        }
    }
}
