import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// Payouts (ReBase Smart): points paid to a card through the provider. Requested, the points are held
/// (a hold of purpose `payout`, no time limit); approved, the request goes to the payout outbox, which
/// `deliver` sends; the provider's callback spends the hold (succeeded) or gives its points back to the
/// lots they came from (failed); rejected, they go back at once. Every step is a ledger entry or a hold
/// state, and a `payout_events` row with the provider's reference where it gave one.
extension Redeem {
    func requestPayout(_ event: RedeemEvent.Payout, _ context: FunctionContext) throws -> RedeemResult {
        let reference = try AccountReference(cardNumber: event.cardNumber, externalId: event.externalId)
        try Validate.points(event.points)
        let destination = try PayoutDestination.validate(event.destination)
        return try LedgerStore.write(
            "redeem.payout", programme: event.programme, key: event.idempotencyKey, request: event, context
        ) { store in
            var account = try store.accounts.lock(reference)
            try store.releaseTimedOutHolds(&account)
            let policy = store.policy(account)
            if event.points < policy.minimum {
                throw FunctionError.refused(
                    .belowMinimum, field: "points", "at least \(policy.minimum) points must be paid out at once")
            }
            let take = LotPlan.take(event.points, from: try store.spendableLots(customerId: account.customerId))
            guard take.shortfall == 0 else {
                throw FunctionError.refused(
                    .insufficientPoints, field: "points", "the card has \(max(account.available, 0)) points available")
            }
            let number = PayoutStore.number(), voucher = LedgerStore.voucherNumber()
            let amount = policy.value(event.points)
            guard Self.isWholeCents(amount) else {
                throw FunctionError.refused(
                    .belowMinimum, field: "points",
                    "\(event.points) points are worth \(amount): a payout is a whole number of cents, at least 0.01")
            }
            let holdId = try store.payouts.placeHold(
                account, number: number, voucher: voucher, points: event.points, amount: amount)
            try store.append(
                &account,
                EntryFacts(
                    kind: .hold, orderNumber: number, voucherNumber: voucher, holdId: holdId, rule: PayoutRule.json(number),
                    reason: "payout to card \(PayoutDestination.masked(destination)) requested", source: "redeem.payout"),
                available: -event.points, held: event.points, draws: take.draws, notice: .pointsHeld)
            let id = try store.payouts.insert(
                account, number: number, holdId: holdId, points: event.points, amount: amount,
                currency: store.settings.programme.currency, destination: destination)
            try store.payouts.record(id, .requested, reference: nil, detail: nil, source: "redeem.payout")
            return try result(store.payouts.find(number), account: account, store)
        }
    }

    func approvePayout(_ event: RedeemEvent.PayoutModeration, _ context: FunctionContext) throws -> RedeemResult {
        let number = try PayoutStore.validate(number: event.payoutId)
        let reason = try Validate.optionalText(event.reason, field: "reason", maxLength: 500)
        let publicURL = AlertsConfiguration.fromEnvironment().publicURL
        return try moderate(event, "approve_payout", context) { store, account, payout in
            try store.payouts.move(
                &payout, to: .approved, detail: PayoutDestination.masking(payout.destination, in: reason),
                source: "redeem.approve_payout")
            // The callback names the programme in its query: the provider sends back what it was given.
            try store.payouts.enqueueRequest(
                payout, callbackURL: "\(publicURL)/payouts/\(number)/result?programme=\(store.settings.programme.id)")
        }
    }

    func rejectPayout(_ event: RedeemEvent.PayoutModeration, _ context: FunctionContext) throws -> RedeemResult {
        let reason = try Validate.optionalText(event.reason, field: "reason", maxLength: 500)
        return try moderate(event, "reject_payout", context, alsoFrom: [.undeliverable]) { store, account, payout in
            let said = PayoutDestination.masking(payout.destination, in: reason)
            try store.releasePayoutHold(
                payout, account: &account, reason: "payout rejected" + (said.map { ": \($0)" } ?? ""),
                source: "redeem.reject_payout")
            try store.payouts.move(&payout, to: .rejected, detail: said, source: "redeem.reject_payout")
        }
    }

    /// An administrator's decision, on a payout waiting for one (`requested`, or `alsoFrom`).
    private func moderate(
        _ event: RedeemEvent.PayoutModeration, _ kind: String, _ context: FunctionContext, alsoFrom: [PayoutStatus] = [],
        _ decide: (LedgerStore, inout LedgerAccount, inout PayoutRow) throws -> Void
    ) throws -> RedeemResult {
        let number = try PayoutStore.validate(number: event.payoutId)
        return try LedgerStore.write(
            "redeem.\(kind)", programme: event.programme, key: event.idempotencyKey, request: event, context
        ) { store in
            var account = try store.accounts.lock(customerId: try store.payouts.find(number, forUpdate: false).customerId)
            var payout = try store.payouts.find(number)
            guard payout.status == .requested || alsoFrom.contains(payout.status) else {
                throw FunctionError.refused(
                    .notPendingModeration, field: "payout_id",
                    "payout \(number) is \(payout.status.rawValue), not awaiting moderation")
            }
            try decide(store, &account, &payout)
            return result(payout, account: account, store)
        }
    }

    /// The provider's callback. A second callback saying what the first said changes nothing and gets
    /// the same answer; one saying otherwise is a conflict.
    func settlePayout(_ event: RedeemEvent.PayoutOutcome, _ context: FunctionContext) throws -> RedeemResult {
        try PayoutProvider.fromEnvironment().requireProvider(caller: context.caller)
        let number = try PayoutStore.validate(number: event.payoutId)
        guard let outcome = PayoutStatus(rawValue: event.status), outcome.isSettled else {
            throw FunctionError.badInput(.invalidValue, field: "status", "status is succeeded or failed")
        }
        let reference = try Validate.text(event.providerReference, field: "provider_reference", maxLength: 128)
        let given = try Validate.optionalText(event.reason, field: "reason", maxLength: 400)
        return try LedgerStore.write(
            "redeem.payout_result", programme: event.programme, key: nil, request: event, context
        ) { store in
            var account = try store.accounts.lock(customerId: try store.payouts.find(number, forUpdate: false).customerId)
            var payout = try store.payouts.find(number)
            let reason = PayoutDestination.masking(payout.destination, in: given)
            switch payout.status {
            case .succeeded, .failed:
                guard payout.status == outcome, payout.providerReference == reference else {
                    throw FunctionError.conflict(
                        .payoutSettled, field: "status",
                        "payout \(number) was already settled as \(payout.status.rawValue) (\(payout.providerReference ?? "-"))")
                }
            case .requested, .rejected:
                throw FunctionError.refused(
                    .payoutNotApproved, field: "payout_id", "payout \(number) is \(payout.status.rawValue): it was never sent")
            case .approved, .sent, .undeliverable:
                let facts = EntryFacts(
                    kind: outcome == .succeeded ? .redemption : .release, orderNumber: payout.number,
                    voucherNumber: payout.voucherNumber, holdId: payout.holdId,
                    rule: PayoutRule.json(number, reference: reference),
                    reason: outcome == .succeeded
                        ? "paid out to card \(PayoutDestination.masked(payout.destination)), provider reference \(reference)"
                        : "payout failed at the provider (\(reference))" + (reason.map { ": \($0)" } ?? ""),
                    source: "redeem.payout_result")
                if outcome == .succeeded {
                    try store.append(&account, facts, held: -payout.points, notice: .pointsSpent)
                    try store.holds.resolve(payout.holdId, as: .committed, committedPoints: payout.points)
                } else {
                    try store.releasePayoutHold(payout, account: &account, facts: facts)
                }
                try store.payouts.move(&payout, to: outcome, reference: reference, detail: reason, source: "redeem.payout_result")
            }
            return result(payout, account: account, store)
        }
    }

    /// Whether a money amount is positive with at most two decimals (what a provider can pay).
    static func isWholeCents(_ amount: Decimal) -> Bool {
        guard amount > 0 else { return false }
        let parts = amount.description.split(separator: ".", maxSplits: 1)
        return parts.count == 1 || parts[1].reversed().drop(while: { $0 == "0" }).count <= 2
    }

    private func result(_ payout: PayoutRow, account: LedgerAccount, _ store: LedgerStore) -> RedeemResult {
        RedeemResult(
            voucherNumber: payout.voucherNumber, orderNumber: payout.number, status: payout.status.rawValue,
            points: payout.points, value: payout.amount, expiresAt: nil, balance: store.balance(account),
            payout: PayoutView(payout))
    }
}

extension LedgerStore {
    /// Gives a payout's held points back to the lots they were drawn from, and closes its hold.
    func releasePayoutHold(_ payout: PayoutRow, account: inout LedgerAccount, reason: String, source: String) throws {
        try releasePayoutHold(
            payout, account: &account,
            facts: EntryFacts(
                kind: .release, orderNumber: payout.number, voucherNumber: payout.voucherNumber, holdId: payout.holdId,
                rule: PayoutRule.json(payout.number, reference: payout.providerReference), reason: reason, source: source))
    }

    func releasePayoutHold(_ payout: PayoutRow, account: inout LedgerAccount, facts: EntryFacts) throws {
        let draws = LotPlan.giveBack(payout.points, drawn: try drawnByHold(payout.holdId))
        try append(&account, facts, available: payout.points, held: -payout.points, draws: draws, notice: .pointsReleased)
        try holds.resolve(payout.holdId, as: .released)
    }
}

/// What a payout's ledger entries record as their rule: the payout and the provider's reference.
enum PayoutRule {
    static func json(_ number: String, reference: String? = nil) -> JSONText {
        var object: [String: JSONValue] = ["payout_id": .string(number)]
        if let reference { object["provider_reference"] = .string(reference) }
        let data = (try? JSONCoding.encode(JSONValue.object(["payout": .object(object)]))) ?? Data("{}".utf8)
        return JSONText(String(decoding: data, as: UTF8.self))
    }
}
