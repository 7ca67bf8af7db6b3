import FoundationEssentials
import PuntosPostgres
import PuntosRuntime

/// The statements of an erasure (MemberErasure), each over one table, and its log `member_erasures`.
/// `erased` is every value that must not remain: searched case-insensitively, as stored and as JSON
/// spells it.
struct ErasureStore {
    let connection: PostgresConnection

    /// The summary logged when the customer was erased, if it was.
    func loggedSummary(customer: Int64) throws -> ErasureSummary? {
        try summary(connection.query("SELECT summary::text AS summary FROM member_erasures WHERE customer_id = \(customer)"))
    }

    /// The first erasure of a member who had this identifier (known only by its digest in the log).
    func loggedSummary(programme: String, field: String, value: String) throws -> ErasureSummary? {
        try summary(
            connection.query(
                """
                SELECT summary::text AS summary FROM member_erasures
                WHERE programme_id = \(programme)
                  AND identifier_digests @> ARRAY[puntos_identifier_digest(\(programme), \(field), \(value))]
                ORDER BY id LIMIT 1
                """))
    }

    private func summary(_ rows: PostgresRows) throws -> ErasureSummary? {
        guard let text: String = try rows.first?.decode("summary") else { return nil }
        do {
            return try JSONCoding.decoder().decode(ErasureSummary.self, from: Data(text.utf8))
        } catch {
            throw FunctionError.bug("a logged erasure summary does not decode: \(error)")
        }
    }

    /// Blocks the customer's active cards, each with a `blocked` card event.
    func blockCards(customer: Int64, now: Date, requestId: String) throws -> Int {
        try connection.query(
            """
            WITH blocked AS (
                UPDATE cards SET status = 'blocked', status_reason = 'member data erased', status_changed_at = \(now)
                WHERE customer_id = \(customer) AND status = 'active' RETURNING number)
            INSERT INTO card_events (card_number, kind, reason, source, request_id, at)
            SELECT number, 'blocked', 'member data erased', 'member-data.erase', \(requestId), \(now) FROM blocked
            """
        ).affectedRows
    }

    /// The customer's alert subscriptions, and a guest's under its e-mail.
    func removeSubscriptions(customer: Int64, email: String?, programme: String) throws -> Int {
        try connection.query(
            """
            DELETE FROM alert_subscriptions
            WHERE programme_id = \(programme) AND (customer_id = \(customer) OR (customer_id IS NULL AND email = \(email)))
            """
        ).affectedRows
    }

    /// The customer's notification settings and its unsubscribes under any of its recipient keys.
    func removeSettingsAndUnsubscribes(customer: Int64, email: String?, phone: String?, programme: String) throws -> Int {
        try connection.query("DELETE FROM notification_settings WHERE customer_id = \(customer)")
        return try connection.query(
            """
            DELETE FROM unsubscribes
            WHERE programme_id = \(programme) AND address_key = ANY (puntos_recipient_keys(\(customer), \(email), \(phone)))
            """
        ).affectedRows
    }

    /// Pending notices to the customer, or to its e-mail or phone as a guest: `suppressed`.
    func cancelNotices(customer: Int64, email: String?, phone: String?, programme: String) throws -> Int {
        try connection.query(
            """
            UPDATE notices SET status = 'suppressed'
            WHERE programme_id = \(programme) AND status IN ('pending', 'sending')
              AND (customer_id = \(customer) OR (customer_id IS NULL AND (email = \(email) OR phone = \(phone))))
            """
        ).affectedRows
    }

    /// Every notice to the customer (or its addresses as a guest) tied to the tombstone, without
    /// address or last error, and without its payload where that quotes an erased value.
    func scrubNotices(customer: Int64, email: String?, phone: String?, erased: [String], programme: String) throws -> Int {
        try connection.query(
            """
            UPDATE notices n SET customer_id = \(customer), email = NULL, phone = NULL, last_error = NULL,
                payload = CASE WHEN EXISTS (SELECT 1 FROM unnest(\(erased)::text[]) v
                                            WHERE strpos(lower(n.payload::text), lower(trim(both '"' FROM to_jsonb(v)::text))) > 0)
                               THEN '{}'::jsonb ELSE n.payload END
            WHERE n.programme_id = \(programme)
              AND (n.customer_id = \(customer) OR (n.customer_id IS NULL AND (n.email = \(email) OR n.phone = \(phone))))
            """
        ).affectedRows
    }

    /// Delivery attempts lose the recipient and any detail quoting an erased value (migration 0102).
    func scrubDeliveryAttempts(customer: Int64, erased: [String]) throws -> Int {
        try connection.query("SELECT puntos_erase_delivery_attempts(\(customer), \(erased)::text[]) AS changed").one()
            .decode("changed")
    }

    /// Stored idempotency answers about the customer or quoting an erased value (a phone also by its
    /// digits, as a caller may have typed it).
    func removeIdempotencyRecords(customer: Int64, erased: [String], phoneDigits: String, programme: String) throws -> Int {
        try connection.query(
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
    }

    /// Queue messages and dead letters quoting an erased value.
    func removeQueueMessages(erased: [String]) throws -> Int {
        let messages = try connection.query(
            """
            DELETE FROM puntos_queue_messages m
            WHERE EXISTS (SELECT 1 FROM unnest(\(erased)::text[]) v
                          WHERE strpos(lower(m.body || coalesce(m.last_error, '')), lower(v)) > 0
                             OR strpos(lower(m.body), lower(trim(both '"' FROM to_jsonb(v)::text))) > 0)
            """
        ).affectedRows
        let deadLetters = try connection.query(
            """
            DELETE FROM puntos_queue_dead_letters m
            WHERE EXISTS (SELECT 1 FROM unnest(\(erased)::text[]) v
                          WHERE strpos(lower(m.body || coalesce(m.last_error, '')), lower(v)) > 0
                             OR strpos(lower(m.body), lower(trim(both '"' FROM to_jsonb(v)::text))) > 0)
            """
        ).affectedRows
        return messages + deadLetters
    }

    /// The erasure in the append-only log, with digests of the erased identifiers (kinds and values).
    func log(
        _ summary: JSONText, customer: Int64, identifiers: (kinds: [String], values: [String]), programme: String,
        reason: String?, requestId: String, now: Date
    ) throws {
        try connection.query(
            """
            INSERT INTO member_erasures (programme_id, customer_id, identifier_digests, summary, reason, source, request_id, at)
            SELECT \(programme), \(customer),
                   coalesce(array_agg(puntos_identifier_digest(\(programme), k, v)) FILTER (WHERE v <> ''), '{}'),
                   \(summary)::jsonb, \(reason), 'member-data.erase', \(requestId), \(now)
            FROM unnest(\(identifiers.kinds)::text[], \(identifiers.values)::text[]) AS t(k, v)
            """)
    }
}
