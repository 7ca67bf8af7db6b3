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
                   ns.preferred_channel, ns.daily_cap, coalesce(ns.channels, '{}')::text AS channels,
                   CASE WHEN jsonb_typeof(p.daily_caps -> n.kind) = 'number' THEN (p.daily_caps ->> n.kind)::numeric::integer
                   END AS programme_cap,
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
            JOIN programmes p ON p.id = n.programme_id
            LEFT JOIN customers c ON c.id = n.customer_id
            LEFT JOIN notification_settings ns ON ns.customer_id = n.customer_id
            WHERE n.id = ANY(\(ids)::bigint[])
            ORDER BY n.id
            """
        ).map(dueNotice)
    }

    private func dueNotice(_ row: PostgresRow) throws -> DueNotice {
        let kind: NoticeKind = try row.decode("kind")
        let programmeCap: Int? = try row.decodeIfPresent("programme_cap")
        let preferences = ChannelPreferences(stored: try Self.object(row.decode("channels")))
        return DueNotice(
            id: try row.decode("id"), programme: try row.decode("programme_id"), kind: kind,
            dedupeKey: try row.decode("dedupe_key"), payload: try Self.object(row.decode("payload")),
            attempts: try row.decode("attempts"), locale: try row.decodeIfPresent("locale"),
            name: try row.decodeIfPresent("name"),
            customerId: try row.decodeIfPresent("customer_id"), externalId: try row.decodeIfPresent("external_id"),
            email: try row.decodeIfPresent("email"), phone: try row.decodeIfPresent("phone"),
            localMinute: try row.decode("local_minute"), recipientKey: try row.decode("recipient_key"),
            unsubscribed: try row.decode("unsubscribed"), subscriptionGone: try row.decode("subscription_gone"),
            requestedChannel: try row.decodeIfPresent("notice_channel", as: String.self).flatMap(DeliveryChannel.init),
            choice: preferences.choice(for: kind),
            preferredChannel: try row.decodeIfPresent("preferred_channel", as: String.self).flatMap(DeliveryChannel.init),
            cap: DailyCap(
                defaultCap: configuration.dailyCap, programmeCaps: programmeCap.map { [kind.rawValue: $0] } ?? [:],
                customerCap: try row.decodeIfPresent("daily_cap")))
    }

    /// A JSON object stored as text; anything else reads as empty.
    private static func object(_ text: String) -> [String: JSONValue] {
        if case .object(let object)? = try? JSONCoding.decoder().decode(JSONValue.self, from: Data(text.utf8)) {
            object
        } else {
            [:]
        }
    }

    /// Per recipient, marketing kind and channel: the messages sent in the last 24 hours, and when the
    /// oldest of them leaves that window.
    private func capWindows(_ keys: [RecipientKey], now: Date, _ connection: PostgresConnection) throws
        -> [DeliveryBatch.CapKey: DeliveryBatch.CapWindow]
    {
        let marketing = NoticeKind.known.filter { $0.noticeClass == .marketing }.map(\.rawValue)
        var window: [DeliveryBatch.CapKey: DeliveryBatch.CapWindow] = [:]
        for row in try connection.query(
            """
            SELECT a.recipient_key, n.kind, a.channel, count(DISTINCT a.message_id) AS sent, min(a.at) AS oldest
            FROM delivery_attempts a JOIN notices n ON n.id = a.notice_id
            WHERE a.outcome = 'sent' AND a.recipient_key = ANY(\(keys)::text[]) AND n.kind = ANY(\(marketing)::text[])
              AND a.at > \(now)::timestamptz - interval '24 hours'
            GROUP BY a.recipient_key, n.kind, a.channel
            """)
        {
            guard let channel = DeliveryChannel(rawValue: try row.decodeIfPresent("channel") ?? "") else { continue }
            let oldest: Date = try row.decode("oldest")
            let key = DeliveryBatch.CapKey(
                recipient: try row.decode("recipient_key"), kind: try row.decode("kind"), channel: channel)
            window[key] = .init(count: try row.decode("sent"), freesAt: oldest.addingTimeInterval(86_400))
        }
        return window
    }

    /// A notice for `both` channels: the claimed notice keeps the first, and a copy of it (dedupe key
    /// `<key>#<channel>`, due now) carries the second, with its own attempts and retries. A copy made
    /// already is not made again.
    func split(_ splits: [(id: Int64, first: DeliveryChannel, second: DeliveryChannel)], now: Date) throws {
        guard !splits.isEmpty else { return }
        let ids = splits.map(\.id), first = splits.map(\.first.rawValue), second = splits.map(\.second.rawValue)
        try database.withTransaction { connection in
            try connection.query(
                """
                WITH s AS (SELECT * FROM unnest(\(ids)::bigint[], \(first)::text[], \(second)::text[]) AS s(id, first, second)),
                fixed AS (
                    UPDATE notices n SET channel = s.first FROM s WHERE n.id = s.id
                    RETURNING n.programme_id, n.customer_id, n.email, n.phone, n.kind, n.dedupe_key, n.payload, n.locale,
                              n.created_at, s.second)
                INSERT INTO notices (programme_id, customer_id, email, phone, kind, dedupe_key, payload, locale, channel,
                                     next_attempt_at, created_at)
                SELECT programme_id, customer_id, email, phone, kind, dedupe_key || '#' || second, payload, locale, second,
                       \(now), created_at
                FROM fixed
                ON CONFLICT (dedupe_key) DO NOTHING
                """)
        }
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
