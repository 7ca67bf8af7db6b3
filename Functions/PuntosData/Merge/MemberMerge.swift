import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// Merges two customers of one programme that are the same person (a printed card at the till, a web
/// account) in one transaction, under both customers' and accounts' row locks, without losing a point:
/// - the ledger stays append-only: each lot with points left moves by a `merged_out` entry on the
///   absorbed account and a `merged_in` entry on the survivor's (available or pending as the lot is; the
///   lot's id, activation and expiry in the entry's rule), and each open hold by such a pair moving its
///   held points; the absorbed account ends at zero and the survivor's grows by exactly what it had;
/// - the lots, holds (open ones too: their vouchers commit or release on the survivor), invoices and
///   coupons change owner, so a later return, cancellation, commit, release or expiry of anything the
///   absorbed customer had lands on the survivor; a lot keeps its id, expiry and pending or active state;
/// - the cards become the survivor's; the absorbed's active card, when the survivor has one, is replaced
///   by it (a `merged` card event) and, presented at a till, acts on the survivor's account; the absorbed
///   customer's external id, e-mail and phone stay on its record and resolve to the survivor
///   (`puntos_survivor`, `puntos_account_card`, migration 0175);
/// - alert subscriptions move (a duplicate of one the survivor has is removed), notification settings
///   move when the survivor has none, agreement versions and stops (`unsubscribes`) are copied;
/// - idempotency keys are the programme's, not the customer's: a replay of any request the absorbed
///   customer made answers its first answer and moves nothing.
/// Refused (409): into itself, when either is erased, when the absorbed was merged into another or the
/// survivor was merged away, across programmes, and while either account owes points (a negative
/// balance cannot move without drawing the survivor's lots: settle it first). The merge is recorded in
/// `member_merges` (append-only); a repeat answers the first summary and changes nothing.
struct MemberMerge {
    let context: FunctionContext

    func merge(_ event: MergeEvent) throws -> MergeSummary {
        let programme = try Validate.programme(event.programme)
        let absorbed = try MemberIdentifier(event.absorbed, prefix: "absorbed.")
        let survivor = try MemberIdentifier(event.survivor, prefix: "survivor.")
        let reason = try Validate.optionalText(event.reason, field: "reason", maxLength: 500)
        return try context.database.withTransaction { connection in
            let store = MergeStore(connection: connection)
            let survivorId = try resolve(survivor, programme, store, connection)
            // A repeat naming the absorbed by a card it moved (the survivor's card now).
            if case .cardNumber(let number) = absorbed.value,
                let first = try store.loggedMerge(card: number, survivor: survivorId, programme: programme)
            {
                return first
            }
            let absorbedId = try resolve(absorbed, programme, store, connection)
            try store.lock([absorbedId, survivorId], programme: programme)
            if let logged = try store.loggedMerge(absorbed: absorbedId) {
                guard logged.survivor == survivorId else {
                    throw FunctionError.conflict(
                        .memberMerged, field: absorbed.field,
                        "customer \(absorbedId) was merged into customer \(logged.survivor) already")
                }
                return logged.summary
            }
            guard absorbedId != survivorId else {
                throw FunctionError.conflict(
                    .mergeIntoItself, field: survivor.field, "the absorbed and the survivor are the same customer")
            }
            if let logged = try store.loggedMerge(absorbed: survivorId) {
                throw FunctionError.conflict(
                    .memberMerged, field: survivor.field,
                    "customer \(survivorId) was merged into customer \(logged.survivor): merge into that one")
            }
            for (id, identifier) in [(absorbedId, absorbed), (survivorId, survivor)] {
                if try store.isErased(id) {
                    throw FunctionError.conflict(.memberErased, field: identifier.field, "customer \(id) was erased")
                }
                if try store.available(id) < 0 {
                    throw FunctionError.conflict(
                        .memberBalanceNegative, field: identifier.field,
                        "customer \(id) owes points (available below zero): settle it before merging")
                }
            }
            let origin = MergeStore.Origin(
                programme: programme, absorbed: absorbedId, survivor: survivorId, requestId: context.requestId,
                now: context.now)
            return try move(origin, reason: reason, store)
        }
    }

    /// The customer an identifier names in the programme; one in another programme is refused as such.
    private func resolve(
        _ identifier: MemberIdentifier, _ programme: String, _ store: MergeStore, _ connection: PostgresConnection
    ) throws -> Int64 {
        if let id = try identifier.resolve(programme, connection) { return id }
        if try store.existsElsewhere(identifier.value, programme: programme) {
            throw FunctionError.conflict(
                .mergeAcrossProgrammes, field: identifier.field, "that member belongs to another programme than \(programme)")
        }
        throw identifier.notFound
    }

    private func move(_ o: MergeStore.Origin, reason: String?, _ store: MergeStore) throws -> MergeSummary {
        // Entries first (they read the absorbed customer's lots and open holds), then the rows change owner.
        let lots = try store.moveLotPoints(o)
        let holds = try store.moveHeldPoints(o)
        let owned = try store.moveOwnedRows(o)
        let cards = try store.moveCards(o)
        let subscriptions = try store.moveSubscriptions(o)
        let summary = MergeSummary(
            programme: o.programme, absorbedCustomerId: o.absorbed, survivorCustomerId: o.survivor, mergedAt: o.now,
            available: lots.available, pending: lots.pending, held: holds.held, lotsMoved: lots.lots,
            holdsMoved: holds.holds, invoicesMoved: owned.invoices, couponsMoved: owned.coupons, cardsMoved: cards.moved,
            cardReplaced: cards.replaced, subscriptionsMoved: subscriptions.moved,
            subscriptionsRemoved: subscriptions.removed, agreementsCopied: try store.copyAgreements(o),
            notificationSettingsMoved: try store.moveNotificationSettings(o), unsubscribesCopied: try store.copyUnsubscribes(o))
        let encoded = try JSONCoding.encode(summary)
        try store.log(JSONText(String(decoding: encoded, as: UTF8.self)), o, cards: cards.moved, reason: reason)
        // The summary as logged (times at the log's precision), so a repeat answers exactly the same.
        return try JSONCoding.decoder().decode(MergeSummary.self, from: encoded)
    }
}
