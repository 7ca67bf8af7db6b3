import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// Erases a member's personal data in one transaction, under the customer's row lock:
/// - the customer keeps its id (and segment) but loses its e-mail, phone, name and locale, and its
///   external id becomes the tombstone `erased:<id>`;
/// - its cards are blocked (with a `blocked` card event); card numbers stay, as the ledger names them;
/// - its alert subscriptions (and a guest's under its e-mail) are removed, its notification settings
///   and unsubscribes deleted, its pending notices cancelled (`suppressed`); every notice to it or to
///   its e-mail or phone as a guest is tied to the tombstone and loses its address, its last error and,
///   if it quotes an erased value, its payload; its delivery attempts lose the recipient and any
///   detail quoting one (`puntos_erase_delivery_attempts`, migrations/0102);
/// - idempotency records and queue messages (and dead letters) that quote an erased value are deleted;
/// - the ledger, lots, invoices, holds and agreements stay as they are: their amounts and dates now
///   belong to the tombstone, so every balance, the liability report and the ledger's sums still hold.
/// The erasure is recorded in `member_erasures` (append-only) with digests of the erased identifiers,
/// so a repeat, by customer id, card or an erased identifier, answers the first summary and changes nothing.
struct MemberErasure {
    let connection: PostgresConnection
    let context: FunctionContext

    func erase(_ identifier: MemberIdentifier, programme: String, reason: String?) throws -> ErasureSummary {
        if let customer = try identifier.resolve(programme, connection, lock: true) {
            if let first = try logged("SELECT summary::text AS summary FROM member_erasures WHERE customer_id = \(customer)") {
                return first
            }
            return try eraseCustomer(customer, programme: programme, reason: reason)
        }
        // An identifier the member no longer has: known only by its digest in the log.
        let value = try identifier.stored(try Programme.load(programme, from: connection))
        let first = try logged(
            """
            SELECT summary::text AS summary FROM member_erasures
            WHERE programme_id = \(programme)
              AND identifier_digests @> ARRAY[puntos_identifier_digest(\(programme), \(identifier.field), \(value))]
            ORDER BY id LIMIT 1
            """)
        guard let first else { throw identifier.notFound }
        return first
    }

    private func logged(_ sql: SQL) throws -> ErasureSummary? {
        guard let text: String = try connection.query(sql).first?.decode("summary") else { return nil }
        do {
            return try JSONCoding.decoder().decode(ErasureSummary.self, from: Data(text.utf8))
        } catch {
            throw FunctionError.bug("a logged erasure summary does not decode: \(error)")
        }
    }

    private func eraseCustomer(_ customer: Int64, programme: String, reason: String?) throws -> ErasureSummary {
        let person = try connection.query(
            "SELECT external_id, email, phone, name FROM customers WHERE id = \(customer)"
        ).one()
        let externalId: String? = try person.decodeIfPresent("external_id")
        let email: String? = try person.decodeIfPresent("email")
        let phone: String? = try person.decodeIfPresent("phone")
        let name: String? = try person.decodeIfPresent("name")
        // What must not remain anywhere: searched case-insensitively, as stored and as JSON spells it.
        let erased = [externalId, email, phone, name].compactMap { $0 }.filter { !$0.isEmpty }
        // A phone as a caller typed it (+507 6123-4567) shows in stored requests by its digits only.
        let phoneDigits = phone.map { String($0.filter(\.isNumber)) } ?? ""
        let now = context.now
        let requestId = context.requestId

        let cardsBlocked = try connection.query(
            """
            WITH blocked AS (
                UPDATE cards SET status = 'blocked', status_reason = 'member data erased', status_changed_at = \(now)
                WHERE customer_id = \(customer) AND status = 'active' RETURNING number)
            INSERT INTO card_events (card_number, kind, reason, source, request_id, at)
            SELECT number, 'blocked', 'member data erased', 'member-data.erase', \(requestId), \(now) FROM blocked
            """
        ).affectedRows
        let subscriptionsRemoved = try connection.query(
            """
            DELETE FROM alert_subscriptions
            WHERE programme_id = \(programme) AND (customer_id = \(customer) OR (customer_id IS NULL AND email = \(email)))
            """
        ).affectedRows
        try connection.query("DELETE FROM notification_settings WHERE customer_id = \(customer)")
        let unsubscribesRemoved = try connection.query(
            """
            DELETE FROM unsubscribes
            WHERE programme_id = \(programme) AND address_key = ANY (puntos_recipient_keys(\(customer), \(email), \(phone)))
            """
        ).affectedRows
        let noticesCancelled = try connection.query(
            """
            UPDATE notices SET status = 'suppressed'
            WHERE programme_id = \(programme) AND status IN ('pending', 'sending')
              AND (customer_id = \(customer) OR (customer_id IS NULL AND (email = \(email) OR phone = \(phone))))
            """
        ).affectedRows
        let noticesScrubbed = try connection.query(
            """
            UPDATE notices n SET customer_id = \(customer), email = NULL, phone = NULL, last_error = NULL,
                payload = CASE WHEN EXISTS (SELECT 1 FROM unnest(\(erased)::text[]) v
                                            WHERE strpos(lower(n.payload::text), lower(trim(both '"' FROM to_jsonb(v)::text))) > 0)
                               THEN '{}'::jsonb ELSE n.payload END
            WHERE n.programme_id = \(programme)
              AND (n.customer_id = \(customer) OR (n.customer_id IS NULL AND (n.email = \(email) OR n.phone = \(phone))))
            """
        ).affectedRows
        let attemptsScrubbed: Int = try connection.query(
            "SELECT puntos_erase_delivery_attempts(\(customer), \(erased)::text[]) AS changed"
        ).one().decode("changed")
        let idempotencyRemoved = try connection.query(
            """
            DELETE FROM idempotency_keys k
            WHERE k.programme_id = \(programme)
              AND (k.response -> 'customer' ->> 'id' = \(customer)::text
                   OR EXISTS (SELECT 1 FROM unnest(\(erased)::text[]) v
                              WHERE strpos(lower(k.request::text || coalesce(k.response::text, '')),
                                           lower(trim(both '"' FROM to_jsonb(v)::text))) > 0)
                   OR (\(phoneDigits) <> '' AND k.request::text LIKE '%"phone"%'
                       AND strpos(regexp_replace(k.request::text, '[^0-9]', '', 'g'), \(phoneDigits)) > 0))
            """
        ).affectedRows
        let queueRemoved =
            try connection.query(
                """
                DELETE FROM puntos_queue_messages m
                WHERE EXISTS (SELECT 1 FROM unnest(\(erased)::text[]) v
                              WHERE strpos(lower(m.body || coalesce(m.last_error, '')), lower(v)) > 0
                                 OR strpos(lower(m.body), lower(trim(both '"' FROM to_jsonb(v)::text))) > 0)
                """
            ).affectedRows
            + (try connection.query(
                """
                DELETE FROM puntos_queue_dead_letters m
                WHERE EXISTS (SELECT 1 FROM unnest(\(erased)::text[]) v
                              WHERE strpos(lower(m.body || coalesce(m.last_error, '')), lower(v)) > 0
                                 OR strpos(lower(m.body), lower(trim(both '"' FROM to_jsonb(v)::text))) > 0)
                """
            ).affectedRows)
        try connection.query(
            """
            UPDATE customers SET external_id = 'erased:' || id::text, email = NULL, phone = NULL, name = NULL, locale = NULL
            WHERE id = \(customer)
            """)
        let summary = ErasureSummary(
            customerId: customer, programme: programme, erasedAt: now, cardsBlocked: cardsBlocked,
            subscriptionsRemoved: subscriptionsRemoved, noticesCancelled: noticesCancelled, noticesScrubbed: noticesScrubbed,
            deliveryAttemptsScrubbed: attemptsScrubbed, unsubscribesRemoved: unsubscribesRemoved,
            idempotencyRecordsRemoved: idempotencyRemoved, queueMessagesRemoved: queueRemoved)
        let encoded = try JSONCoding.encode(summary)
        let summaryJSON = JSONText(String(decoding: encoded, as: UTF8.self))
        let kinds = ["external_id", "email", "phone"]
        let values = [externalId ?? "", email ?? "", phone ?? ""]
        try connection.query(
            """
            INSERT INTO member_erasures (programme_id, customer_id, identifier_digests, summary, reason, source, request_id, at)
            SELECT \(programme), \(customer),
                   coalesce(array_agg(puntos_identifier_digest(\(programme), k, v)) FILTER (WHERE v <> ''), '{}'),
                   \(summaryJSON)::jsonb, \(reason), 'member-data.erase', \(requestId), \(now)
            FROM unnest(\(kinds)::text[], \(values)::text[]) AS t(k, v)
            """)
        // The summary as logged (times at the log's precision), so a repeat answers exactly the same.
        return try JSONCoding.decoder().decode(ErasureSummary.self, from: encoded)
    }
}
