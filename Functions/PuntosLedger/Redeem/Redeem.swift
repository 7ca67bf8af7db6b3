import FoundationEssentials
package import PuntosCore
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
        "POST /payouts": "payout",
        "POST /payouts/{payout_id}/approve": "approve_payout",
        "POST /payouts/{payout_id}/reject": "reject_payout",
        "POST /payouts/{payout_id}/result": "payout_result",
    ]

    package init() {}

    package func handle(_ event: RedeemEvent, context: FunctionContext) throws -> RedeemResult {
        switch event {
        case .hold(let event): try spend(event, hold: true, context)
        case .redeem(let event): try spend(event, hold: false, context)
        case .commit(let event): try commit(event, context)
        case .release(let event): try release(event, context)
        case .payout(let event): try requestPayout(event, context)
        case .approvePayout(let event): try approvePayout(event, context)
        case .rejectPayout(let event): try rejectPayout(event, context)
        case .payoutResult(let event): try settlePayout(event, context)
        }
    }

    private func write<Request: Encodable>(
        _ scope: String, programme id: String?, key: String?, request: Request, _ context: FunctionContext,
        _ body: (LedgerStore) throws -> RedeemResult
    ) throws -> RedeemResult {
        try LedgerStore.write("redeem.\(scope)", programme: id, key: key, request: request, context, body)
    }

    private func spend(_ event: RedeemEvent.Spend, hold: Bool, _ context: FunctionContext) throws -> RedeemResult {
        let reference = try AccountReference(cardNumber: event.cardNumber, externalId: event.externalId)
        let order = try Validate.text(event.orderNumber, field: "order_number", maxLength: 64)
        try LineValidation.money(event.orderAmount, field: "order_amount")
        guard event.orderAmount > 0 else {
            throw FunctionError.badInput(.invalidValue, field: "order_amount", "order_amount must be positive")
        }
        try Validate.points(event.points)
        if let minutes = event.minutes, !(1...1440).contains(minutes) {
            throw FunctionError.badInput(.invalidValue, field: "minutes", "minutes must be 1 to 1440")
        }
        let region = try Validate.optionalText(event.region, field: "region", maxLength: 64)
        let other = try ProgrammeExclusionStore.name(event.otherProgramme, field: "other_programme")
        let scope = hold ? "hold" : "redeem"
        return try write(scope, programme: event.programme, key: event.idempotencyKey, request: event, context) { store in
            try RegionSwitch.requireOn(region, regions: store.settings.regions)
            var account = try store.accounts.lockSpending(reference)
            try store.releaseTimedOutHolds(&account)
            if let excluding = try store.excluded(order: order, other: other) {
                throw FunctionError.refused(
                    .excludedByOtherProgramme, field: other == nil ? "order_number" : "other_programme",
                    "\(excluding) was applied to order \(order): no points of ours are spent on it")
            }
            try store.policy(account).check(points: event.points, orderAmount: event.orderAmount, available: account.available)
            let take = LotPlan.take(event.points, from: try store.spendableLots(customerId: account.customerId))
            guard take.shortfall == 0 else {
                throw FunctionError.refused(
                    .insufficientPoints, field: "points", "the card has \(account.available) points available")
            }
            let voucher = LedgerStore.voucherNumber()
            var expiresAt: Date?
            if hold {
                let minutes = event.minutes ?? store.settings.holdMinutes
                let new = NewHold(
                    account: account, orderNumber: order, voucherNumber: voucher, points: event.points,
                    orderAmount: event.orderAmount, expiresAt: context.now.addingTimeInterval(Double(minutes) * 60))
                expiresAt = new.expiresAt
                guard let holdId = try store.holds.insert(new) else {
                    throw FunctionError.conflict(.orderHasHold, field: "order_number", "order \(order) already has an open hold")
                }
                try store.append(
                    &account,
                    EntryFacts(kind: .hold, orderNumber: order, voucherNumber: voucher, holdId: holdId, source: "redeem.hold"),
                    available: -event.points, held: event.points, draws: take.draws, notice: .pointsHeld)
            } else {
                try store.append(
                    &account, EntryFacts(kind: .redemption, orderNumber: order, voucherNumber: voucher, source: "redeem.redeem"),
                    available: -event.points, draws: take.draws, notice: .pointsSpent)
            }
            return RedeemResult(
                voucherNumber: voucher, orderNumber: order, status: hold ? "held" : "redeemed", points: event.points,
                value: store.policy(account).value(event.points), expiresAt: expiresAt, balance: store.balance(account))
        }
    }

    private func commit(_ event: RedeemEvent.Commit, _ context: FunctionContext) throws -> RedeemResult {
        let reference = try HoldReference(voucher: event.voucherNumber, order: event.orderNumber)
        if let points = event.points { try Validate.points(points) }
        if let amount = event.orderAmount {
            try LineValidation.money(amount, field: "order_amount")
        }
        return try write("commit", programme: event.programme, key: event.idempotencyKey, request: event, context) { store in
            var account = try store.accounts.lock(customerId: try store.holds.find(reference, forUpdate: false).customerId)
            let hold = try store.holds.find(reference)
            try HoldDecision.requireOpen(hold, now: context.now)
            let points = try HoldDecision.commitPoints(
                requested: event.points, orderAmount: event.orderAmount, hold: hold, policy: store.policy(account))
            try store.append(
                &account,
                EntryFacts(
                    kind: .redemption, orderNumber: hold.orderNumber, voucherNumber: hold.voucherNumber, holdId: hold.id,
                    source: "redeem.commit"),
                held: -points, notice: .pointsSpent)
            let rest = hold.points - points
            if rest > 0 {
                try store.append(
                    &account,
                    EntryFacts(
                        kind: .release, orderNumber: hold.orderNumber, voucherNumber: hold.voucherNumber, holdId: hold.id,
                        reason: "committed \(points) of \(hold.points)", source: "redeem.commit"),
                    available: rest, held: -rest, draws: LotPlan.giveBack(rest, drawn: try store.drawnByHold(hold.id)),
                    notice: .pointsReleased)
            }
            try store.holds.resolve(hold.id, as: .committed, committedPoints: points)
            return RedeemResult(
                voucherNumber: hold.voucherNumber, orderNumber: hold.orderNumber, status: "committed", points: points,
                value: store.policy(account).value(points), expiresAt: nil, balance: store.balance(account))
        }
    }

    private func release(_ event: RedeemEvent.Release, _ context: FunctionContext) throws -> RedeemResult {
        let reference = try HoldReference(voucher: event.voucherNumber, order: event.orderNumber)
        let reason = try Validate.optionalText(event.reason, field: "reason", maxLength: 500)
        return try write("release", programme: event.programme, key: event.idempotencyKey, request: event, context) { store in
            var account = try store.accounts.lock(customerId: try store.holds.find(reference, forUpdate: false).customerId)
            let hold = try store.holds.find(reference)
            guard hold.status == .open else {
                throw FunctionError.refused(.holdIs(hold.status), field: "voucher_number", "the hold is \(hold.status.words)")
            }
            try store.release(hold, as: .released, account: &account, reason: reason, source: "redeem.release")
            return RedeemResult(
                voucherNumber: hold.voucherNumber, orderNumber: hold.orderNumber, status: "released", points: hold.points,
                value: store.policy(account).value(hold.points), expiresAt: nil, balance: store.balance(account))
        }
    }
}

extension LedgerStore {
    /// Releases an open hold entirely: its points go back to the lots they came from.
    package func release(
        _ hold: HoldRow, as status: HoldStatus, account: inout LedgerAccount, reason: String?, source: String
    ) throws {
        let draws = LotPlan.giveBack(hold.points, drawn: try drawnByHold(hold.id))
        try append(
            &account,
            EntryFacts(
                kind: .release, orderNumber: hold.orderNumber, voucherNumber: hold.voucherNumber, holdId: hold.id,
                reason: reason, source: source),
            available: hold.points, held: -hold.points, draws: draws, notice: .pointsReleased)
        try holds.resolve(hold.id, as: status)
    }

    /// Releases the customer's holds whose time is up (the account is locked by the caller); how many.
    @discardableResult
    package func releaseTimedOutHolds(_ account: inout LedgerAccount) throws -> Int {
        let timedOut = try holds.timedOut(customerId: account.customerId)
        for hold in timedOut {
            try release(hold, as: .timedOut, account: &account, reason: "hold timed out", source: "expire")
        }
        return timedOut.count
    }
}
