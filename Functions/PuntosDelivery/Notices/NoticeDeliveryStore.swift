import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// The SQL behind `deliver`: claiming due notices with their recipients, and recording what became
/// of them. Each call is its own transaction.
struct NoticeDeliveryStore {
    let database: Database
    let configuration: DeliveryConfiguration

    /// Claims up to `limit` due notices (pending, or sending with a lapsed lease) for `leaseSeconds`,
    /// with their recipients and daily-cap windows.
    func claim(programme: String?, limit: Int, now: Date, leaseSeconds: Double) throws -> DeliveryBatch {
        try database.withTransaction { connection in
            let ids = try claimDue(
                programme: programme, limit: limit, now: now, leaseUntil: now.addingTimeInterval(leaseSeconds), connection)
            guard !ids.isEmpty else { return DeliveryBatch(notices: [], window: [:]) }
            let notices = try dueNotices(ids: ids, now: now, connection)
            let window = try capWindows(Array(Set(notices.map(\.recipientKey))), now: now, connection)
            return DeliveryBatch(notices: notices, window: window)
        }
    }

    private func claimDue(programme: String?, limit: Int, now: Date, leaseUntil: Date, _ connection: PostgresConnection)
        throws -> [Int64]
    {
        try connection.query(
            """
            WITH due AS (
                SELECT id FROM notices
                WHERE status IN ('pending', 'sending') AND next_attempt_at <= \(now)
                  AND (\(programme)::text IS NULL OR programme_id = \(programme))
                ORDER BY next_attempt_at, id LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            UPDATE notices n SET status = 'sending', next_attempt_at = \(leaseUntil)
            FROM due WHERE n.id = due.id
            RETURNING n.id
            """
        ).map { try $0.decode("id") }
    }

    private func dueNotices(ids: [Int64], now: Date, _ connection: PostgresConnection) throws -> [DueNotice] {
        let zone = configuration.defaultTimeZone
        return try connection.query(
            """
            SELECT n.id, n.programme_id, n.kind, n.dedupe_key, n.payload::text AS payload, n.attempts, n.channel AS notice_channel,
                   coalesce(n.locale, c.locale, (SELECT p.locale FROM programmes p WHERE p.id = n.programme_id)) AS locale,
                   c.name, n.customer_id, c.external_id,
                   coalesce(n.email, c.email) AS email, coalesce(n.phone, c.phone) AS phone,
                   ns.preferred_channel, ns.daily_cap,
                   (extract(hour FROM \(now)::timestamptz AT TIME ZONE coalesce(ns.time_zone, \(zone))) * 60
                    + extract(minute FROM \(now)::timestamptz AT TIME ZONE coalesce(ns.time_zone, \(zone))))::integer
                    AS local_minute,
                   puntos_recipient_key(n.customer_id, n.email, n.phone) AS recipient_key,
                   EXISTS (SELECT 1 FROM unsubscribes u WHERE u.programme_id = n.programme_id
                           AND u.address_key = ANY(puntos_recipient_keys(n.customer_id, coalesce(n.email, c.email),
                                                                         coalesce(n.phone, c.phone)))) AS unsubscribed,
                   (n.payload ? 'subscription_id' AND NOT EXISTS (
                       SELECT 1 FROM alert_subscriptions s WHERE s.id = (n.payload ->> 'subscription_id')::bigint
                         AND s.status IN ('active', 'fired'))) AS subscription_gone
            FROM notices n
            LEFT JOIN customers c ON c.id = n.customer_id
            LEFT JOIN notification_settings ns ON ns.customer_id = n.customer_id
            WHERE n.id = ANY(\(ids)::bigint[])
            ORDER BY n.id
            """
        ).map(dueNotice)
    }

    private func dueNotice(_ row: PostgresRow) throws -> DueNotice {
        let payloadText: String = try row.decode("payload")
        let payload = try? JSONCoding.decoder().decode(JSONValue.self, from: Data(payloadText.utf8))
        let email: String? = try row.decodeIfPresent("email")
        let phone: String? = try row.decodeIfPresent("phone")
        return DueNotice(
            id: try row.decode("id"), programme: try row.decode("programme_id"), kind: try row.decode("kind"),
            dedupeKey: try row.decode("dedupe_key"),
            payload: { if case .object(let object)? = payload { object } else { [:] } }(),
            attempts: try row.decode("attempts"),
            channel: DeliveryChannel.resolve(
                notice: try row.decodeIfPresent("notice_channel"), preferred: try row.decodeIfPresent("preferred_channel"),
                hasEmail: email != nil, hasPhone: phone != nil, webhookConfigured: configuration.isConfigured(.webhook)),
            locale: try row.decodeIfPresent("locale"), name: try row.decodeIfPresent("name"),
            customerId: try row.decodeIfPresent("customer_id"), externalId: try row.decodeIfPresent("external_id"),
            email: email, phone: phone, dailyCap: try row.decodeIfPresent("daily_cap"),
            localMinute: try row.decode("local_minute"), recipientKey: try row.decode("recipient_key"),
            unsubscribed: try row.decode("unsubscribed"), subscriptionGone: try row.decode("subscription_gone"))
    }

    /// Per recipient: the messages sent in the last 24 hours, and when the oldest of them leaves that window.
    private func capWindows(_ keys: [RecipientKey], now: Date, _ connection: PostgresConnection) throws
        -> [RecipientKey: DeliveryBatch.CapWindow]
    {
        var window: [RecipientKey: DeliveryBatch.CapWindow] = [:]
        for row in try connection.query(
            """
            SELECT recipient_key, count(DISTINCT message_id) AS sent, min(at) AS oldest FROM delivery_attempts
            WHERE outcome = 'sent' AND recipient_key = ANY(\(keys)::text[])
              AND at > \(now)::timestamptz - interval '24 hours'
            GROUP BY recipient_key
            """)
        {
            let oldest: Date = try row.decode("oldest")
            window[try row.decode("recipient_key")] = .init(
                count: try row.decode("sent"), freesAt: oldest.addingTimeInterval(86_400))
        }
        return window
    }

    /// Writes each notice's new status (only notices still claimed: `sending`) and appends its attempt.
    func record(_ results: [NoticeResult], now: Date) throws {
        guard !results.isEmpty else { return }
        let ids = results.map(\.notice.id), statuses = results.map(\.status), next = results.map(\.nextAttemptAt)
        let attempted = results.map(\.attempted), details = results.map(\.detail)
        let attemptNumbers = results.map { $0.notice.attempts + ($0.attempted ? 1 : 0) }
        let channels = results.map { $0.notice.channel?.rawValue }, keys = results.map(\.notice.recipientKey)
        let messageIds = results.map(\.messageId), outcomes = results.map(\.outcome), codes = results.map(\.responseCode)
        try database.withTransaction { connection in
            try connection.query(
                """
                UPDATE notices n
                SET status = r.status, next_attempt_at = coalesce(r.next_at, n.next_attempt_at),
                    attempts = n.attempts + CASE WHEN r.attempted THEN 1 ELSE 0 END, last_error = r.detail,
                    sent_at = CASE WHEN r.status = \(NoticeStatus.sent) THEN \(now)::timestamptz END
                FROM unnest(\(ids)::bigint[], \(statuses)::text[], \(next)::timestamptz[], \(attempted)::boolean[], \(details)::text[])
                     AS r(id, status, next_at, attempted, detail)
                WHERE n.id = r.id AND n.status = \(NoticeStatus.sending)
                """)
            try connection.query(
                """
                INSERT INTO delivery_attempts (notice_id, attempt, channel, recipient_key, message_id, outcome, response_code, detail, at)
                SELECT * , \(now)::timestamptz FROM unnest(\(ids)::bigint[], \(attemptNumbers)::integer[], \(channels)::text[],
                    \(keys)::text[], \(messageIds)::text[], \(outcomes)::text[], \(codes)::integer[], \(details)::text[])
                """)
        }
    }
}
