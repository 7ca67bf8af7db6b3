import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// Erases a member's personal data in one transaction, under the customer's row lock:
/// - the customer keeps its id (and segment) but loses its e-mail, phone, name, locale and birth date, and its
///   external id becomes the tombstone `erased:<id>`;
/// - its cards are blocked (with a `blocked` card event); card numbers stay, as the ledger names them;
/// - its alert subscriptions (and a guest's under its e-mail) are removed, its notification settings
///   and unsubscribes deleted, its pending notices cancelled (`suppressed`); every notice to it or to
///   its e-mail or phone as a guest is tied to the tombstone and loses its address, its last error and,
///   if it quotes an erased value, its payload; its delivery attempts lose the recipient and any
///   detail quoting one (`puntos_erase_delivery_attempts`, migrations/0102);
/// - idempotency records and queue messages (and dead letters) that quote an erased value are deleted;
/// - its settled payouts keep their amounts, states and provider references, but their destination (the
///   provider's token for the member's card) becomes the tombstone `erased:<payout number>`, in the payout
///   and in its request's body (ErasureStore+Payouts); a payout still in flight (awaiting moderation, the
///   provider or its callback) refuses the erasure with `payout_in_flight` (409) naming it, and nothing
///   changes: the provider may be paying it, so neither its destination nor its held points may go;
/// - the ledger, lots, invoices, holds and agreements stay as they are: their amounts and dates now
///   belong to the tombstone, so every balance, the liability report and the ledger's sums still hold.
/// The erasure is recorded in `member_erasures` (append-only) with digests of the erased identifiers,
/// so a repeat, by customer id, card or an erased identifier, answers the first summary and changes nothing.
struct MemberErasure {
    let connection: PostgresConnection
    let context: FunctionContext

    func erase(_ identifier: MemberIdentifier, programme: String, reason: String?) throws -> ErasureSummary {
        let log = ErasureStore(connection: connection)
        if let customer = try identifier.resolve(programme, connection) {
            // The account's row lock, then the customer's: the order every ledger write takes them in (its
            // entries' key on the customer), so an erasure beside a payout or an accrual waits, never deadlocks;
            // under them no payout moves and a second erasure waits for the first's log.
            try log.lockAccount(customer: customer)
            try MemberStore(connection: connection).lock(customer)
            if let first = try log.loggedSummary(customer: customer) { return first }
            return try eraseCustomer(customer, programme: programme, reason: reason, field: identifier.field)
        }
        // An identifier the member no longer has: known only by its digest in the log.
        let value = try identifier.stored(try Programme.load(programme, from: connection))
        guard let first = try log.loggedSummary(programme: programme, field: identifier.kind, value: value) else {
            throw identifier.notFound
        }
        return first
    }

    private func eraseCustomer(_ customer: Int64, programme: String, reason: String?, field: String) throws
        -> ErasureSummary
    {
        let members = MemberStore(connection: connection)
        let store = ErasureStore(connection: connection)
        try refuseWhilePayoutsInFlight(try store.payoutsInFlight(customer: customer), field: field)
        let person = try members.person(customer)
        let (email, phone) = (person.email, person.phone)
        // What must not remain anywhere: searched case-insensitively, as stored and as JSON spells it.
        let erased =
            [person.externalId, email, phone, person.name].compactMap { $0 }.filter { !$0.isEmpty }
            + (try store.payoutDestinations(customer: customer))
        // A phone as a caller typed it (+507 6123-4567) shows in stored requests by its digits only.
        let phoneDigits = phone.map { String($0.filter(\.isNumber)) } ?? ""

        let cardsBlocked = try store.blockCards(customer: customer, now: context.now, requestId: context.requestId)
        let subscriptionsRemoved = try store.removeSubscriptions(customer: customer, email: email, programme: programme)
        let unsubscribesRemoved = try store.removeSettingsAndUnsubscribes(
            customer: customer, email: email, phone: phone, programme: programme)
        let noticesCancelled = try store.cancelNotices(customer: customer, email: email, phone: phone, programme: programme)
        let noticesScrubbed = try store.scrubNotices(
            customer: customer, email: email, phone: phone, erased: erased, programme: programme)
        let attemptsScrubbed = try store.scrubDeliveryAttempts(customer: customer, erased: erased)
        let idempotencyRemoved = try store.removeIdempotencyRecords(
            customer: customer, erased: erased, phoneDigits: phoneDigits, programme: programme)
        let queueRemoved = try store.removeQueueMessages(erased: erased)
        let payoutsScrubbed = try store.scrubPayouts(customer: customer)
        try members.makeTombstone(customer)
        let summary = ErasureSummary(
            customerId: customer, programme: programme, erasedAt: context.now, cardsBlocked: cardsBlocked,
            subscriptionsRemoved: subscriptionsRemoved, noticesCancelled: noticesCancelled, noticesScrubbed: noticesScrubbed,
            deliveryAttemptsScrubbed: attemptsScrubbed, unsubscribesRemoved: unsubscribesRemoved,
            idempotencyRecordsRemoved: idempotencyRemoved, queueMessagesRemoved: queueRemoved,
            payoutsScrubbed: payoutsScrubbed)
        let encoded = try JSONCoding.encode(summary)
        try store.log(
            JSONText(String(decoding: encoded, as: UTF8.self)), customer: customer,
            identifiers: (["external_id", "email", "phone"], [person.externalId ?? "", email ?? "", phone ?? ""]),
            programme: programme, reason: reason, requestId: context.requestId, now: context.now)
        // The summary as logged (times at the log's precision), so a repeat answers exactly the same.
        return try JSONCoding.decoder().decode(ErasureSummary.self, from: encoded)
    }

    /// A payout in flight stops the erasure, named with its state and what settles it.
    private func refuseWhilePayoutsInFlight(_ payouts: [ErasureStore.PayoutInFlight], field: String) throws {
        guard !payouts.isEmpty else { return }
        let named = payouts.map { payout in
            payout.resolved
                ? "\(payout.number) (\(payout.status), its request to the provider still due)"
                : "\(payout.number) (\(payout.status))"
        }
        throw FunctionError.conflict(
            .payoutInFlight, field: field,
            "the member has a payout in flight: \(named.joined(separator: ", ")); erase the member once the "
                + "provider has settled it (or an administrator has rejected it) and its request is sent or dead")
    }
}
