import FoundationEssentials
import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// `deliver`: sends due notices from the outbox by e-mail, SMS or signed webhook, with retries,
/// a daily cap, SMS quiet hours and unsubscribes honoured, recording every attempt.
package struct Deliver: FunctionHandler {
    package static let name = "deliver"
    package static let scheduledEventKind: String? = "run"
    /// A claimed notice not finished within this time is claimed again (the sender crashed).
    package static let leaseSeconds: Double = 600

    let configuration: DeliveryConfiguration
    let random: @Sendable () -> Double

    package init(
        configuration: DeliveryConfiguration = .fromEnvironment(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.configuration = configuration
        self.random = random
    }

    package func handle(_ event: DeliverEvent, context: FunctionContext) throws -> DeliverOutput {
        let programme = try event.programme.map { try Validate.programme($0) }
        if let limit = event.limit, limit < 1 {
            throw FunctionError.badInput(.invalidValue, field: "limit", "limit must be at least 1")
        }
        let secret = try configuration.links.requireSecret()
        let limit = min(event.limit ?? configuration.maxPerRun, configuration.maxPerRun)
        let senders = Senders(configuration: configuration)
        var output = DeliverOutput()
        var sentInRun: [String: Int] = [:]
        while output.claimed < limit, Date() < context.deadline.addingTimeInterval(-5) {
            let batch = try claim(programme: programme, limit: min(configuration.batchSize, limit - output.claimed), context)
            if batch.notices.isEmpty { break }
            output.claimed += batch.notices.count
            var results: [NoticeResult] = []
            for group in Self.groups(batch.notices, configuration: configuration) {
                results += deliver(
                    group, batch: batch, sentInRun: &sentInRun, secret: secret, senders: senders,
                    output: &output, context)
            }
            try record(results, context)
        }
        return output
    }

    // MARK: Claiming

    struct Notice {
        var id: Int64, programme: String, kind: String, dedupeKey: String, payload: [String: JSONValue], attempts: Int
        var channel: DeliveryChannel?, locale: String?, name: String?, customerId: Int64?, externalId: String?
        var email: String?, phone: String?, dailyCap: Int?, localMinute: Int, recipientKey: String
        var unsubscribed: Bool, subscriptionGone: Bool
    }

    struct Batch {
        var notices: [Notice]
        /// Per recipient: messages sent in the last 24 hours and when the oldest leaves that window.
        var window: [String: (count: Int, freesAt: Date)]
    }

    private func claim(programme: String?, limit: Int, _ context: FunctionContext) throws -> Batch {
        let now = context.now
        return try context.database.withTransaction { connection in
            let ids: [Int64] = try connection.query(
                """
                WITH due AS (
                    SELECT id FROM notices
                    WHERE status IN ('pending', 'sending') AND next_attempt_at <= \(now)
                      AND (\(programme)::text IS NULL OR programme_id = \(programme))
                    ORDER BY next_attempt_at, id LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                )
                UPDATE notices n SET status = 'sending', next_attempt_at = \(now.addingTimeInterval(Self.leaseSeconds))
                FROM due WHERE n.id = due.id
                RETURNING n.id
                """
            ).map { try $0.decode("id") }
            guard !ids.isEmpty else { return Batch(notices: [], window: [:]) }
            let rows = try connection.query(
                """
                SELECT n.id, n.programme_id, n.kind, n.dedupe_key, n.payload::text AS payload, n.attempts, n.channel AS notice_channel,
                       coalesce(n.locale, c.locale) AS locale, c.name, n.customer_id, c.external_id,
                       coalesce(n.email, c.email) AS email, coalesce(n.phone, c.phone) AS phone,
                       ns.preferred_channel, ns.daily_cap,
                       (extract(hour FROM \(now)::timestamptz AT TIME ZONE coalesce(ns.time_zone, \(configuration.defaultTimeZone))) * 60
                        + extract(minute FROM \(now)::timestamptz AT TIME ZONE coalesce(ns.time_zone, \(configuration.defaultTimeZone))))::integer
                        AS local_minute,
                       CASE WHEN n.customer_id IS NOT NULL THEN 'c:' || n.customer_id
                            WHEN n.email IS NOT NULL THEN 'e:' || n.email ELSE 'p:' || n.phone END AS recipient_key,
                       EXISTS (SELECT 1 FROM unsubscribes u WHERE u.programme_id = n.programme_id
                               AND u.address_key IN ('c:' || n.customer_id, 'e:' || coalesce(n.email, c.email),
                                                     'p:' || coalesce(n.phone, c.phone))) AS unsubscribed,
                       (n.payload ? 'subscription_id' AND NOT EXISTS (
                           SELECT 1 FROM alert_subscriptions s WHERE s.id = (n.payload ->> 'subscription_id')::bigint
                             AND s.status IN ('active', 'fired'))) AS subscription_gone
                FROM notices n
                LEFT JOIN customers c ON c.id = n.customer_id
                LEFT JOIN notification_settings ns ON ns.customer_id = n.customer_id
                WHERE n.id = ANY(\(ids)::bigint[])
                ORDER BY n.id
                """)
            var notices: [Notice] = []
            for row in rows {
                let payloadText: String = try row.decode("payload")
                let payload = (try? JSONCoding.decoder().decode(JSONValue.self, from: Data(payloadText.utf8)))
                let email: String? = try row.decodeIfPresent("email")
                let phone: String? = try row.decodeIfPresent("phone")
                notices.append(
                    Notice(
                        id: try row.decode("id"), programme: try row.decode("programme_id"), kind: try row.decode("kind"),
                        dedupeKey: try row.decode("dedupe_key"),
                        payload: { if case .object(let o)? = payload { o } else { [:] } }(),
                        attempts: try row.decode("attempts"),
                        channel: DeliveryChannel.resolve(
                            notice: try row.decodeIfPresent("notice_channel"),
                            preferred: try row.decodeIfPresent("preferred_channel"),
                            hasEmail: email != nil, hasPhone: phone != nil,
                            webhookConfigured: configuration.isConfigured(.webhook)),
                        locale: try row.decodeIfPresent("locale"), name: try row.decodeIfPresent("name"),
                        customerId: try row.decodeIfPresent("customer_id"), externalId: try row.decodeIfPresent("external_id"),
                        email: email, phone: phone, dailyCap: try row.decodeIfPresent("daily_cap"),
                        localMinute: try row.decode("local_minute"), recipientKey: try row.decode("recipient_key"),
                        unsubscribed: try row.decode("unsubscribed"), subscriptionGone: try row.decode("subscription_gone")))
            }
            let keys = Array(Set(notices.map(\.recipientKey)))
            var window: [String: (count: Int, freesAt: Date)] = [:]
            for row in try connection.query(
                """
                SELECT recipient_key, count(DISTINCT message_id) AS sent, min(at) AS oldest FROM delivery_attempts
                WHERE outcome = 'sent' AND recipient_key = ANY(\(keys)::text[]) AND at > \(now)::timestamptz - interval '24 hours'
                GROUP BY recipient_key
                """)
            {
                let oldest: Date = try row.decode("oldest")
                window[try row.decode("recipient_key")] = (try row.decode("sent"), oldest.addingTimeInterval(86_400))
            }
            return Batch(notices: notices, window: window)
        }
    }

    /// One message's worth of notices: one recipient's notices on a channel that allows grouping
    /// (e-mail, SMS), or a single notice (webhooks carry one event each).
    static func groups(_ notices: [Notice], configuration: DeliveryConfiguration) -> [[Notice]] {
        var order: [String] = []
        var byKey: [String: [Notice]] = [:]
        for notice in notices {
            let key =
                notice.channel == .webhook || notice.channel == nil || notice.subscriptionGone || notice.kind == "alert_confirm"
                ? "n:\(notice.id)" : "\(notice.recipientKey)|\(notice.channel!.rawValue)"
            if byKey[key] == nil { order.append(key) }
            byKey[key, default: []].append(notice)
        }
        return order.map { byKey[$0]! }
    }

    // MARK: Sending

    struct NoticeResult {
        var notice: Notice
        var status: String
        var nextAttemptAt: Date?
        var attempted: Bool
        var outcome: String
        var messageId: String?
        var responseCode: Int?
        var detail: String?
    }

    private func deliver(
        _ group: [Notice], batch: Batch, sentInRun: inout [String: Int], secret: String, senders: Senders,
        output: inout DeliverOutput, _ context: FunctionContext
    ) -> [NoticeResult] {
        let first = group[0]
        let now = context.now
        func all(
            _ status: String, outcome: String, next: Date? = nil, attempted: Bool = false, messageId: String? = nil,
            code: Int? = nil, detail: String? = nil
        ) -> [NoticeResult] {
            group.map {
                NoticeResult(
                    notice: $0, status: status, nextAttemptAt: next, attempted: attempted, outcome: outcome,
                    messageId: messageId, responseCode: code, detail: detail)
            }
        }
        if first.subscriptionGone {
            output.suppressed += group.count
            return all("suppressed", outcome: "suppressed", detail: "subscription_removed")
        }
        let window = batch.window[first.recipientKey]
        let channel = first.channel
        let hasAddress =
            switch channel {
            case .email?: first.email != nil
            case .sms?: first.phone != nil
            case .webhook?: true
            case nil: false
            }
        let decision = DeliveryDecision.decide(
            channel: channel, hasAddress: hasAddress, configured: channel.map(configuration.isConfigured) ?? false,
            unsubscribed: group.contains(where: \.unsubscribed),
            sentInWindow: (window?.count ?? 0) + sentInRun[first.recipientKey, default: 0],
            dailyCap: first.dailyCap ?? configuration.dailyCap,
            capFreesIn: window.map { $0.freesAt.timeIntervalSince(now) } ?? 3600,
            localMinute: first.localMinute, quietHours: configuration.quietHours,
            essential: group.allSatisfy { $0.kind == "alert_confirm" })
        switch decision {
        case .suppress(let reason):
            output.suppressed += group.count
            return all("suppressed", outcome: "suppressed", detail: reason)
        case .dead(let reason):
            output.dead += group.count
            return all("dead", outcome: "permanent_failure", attempted: true, detail: reason)
        case .deferral(let seconds, let reason):
            output.deferred += group.count
            return all("pending", outcome: "deferred", next: now.addingTimeInterval(seconds), detail: reason)
        case .send:
            break
        }
        let token = SignedToken(purpose: .unsubscribe, id: first.id).encoded(secret: secret)
        let unsubscribeURL = configuration.links.unsubscribeURL(token)
        let rendered = group.map {
            MessageTemplates.render(NoticeFacts(kind: $0.kind, name: $0.name, payload: $0.payload), locale: $0.locale)
        }
        let messageId = MIMEMessage.messageID(dedupeKeys: group.map(\.dedupeKey), domain: configuration.mailDomain)
        let outcome: SendOutcome
        switch channel! {
        case .email:
            outcome = senders.email(
                to: first.email!,
                message: Self.email(
                    group, rendered: rendered, messageId: messageId,
                    unsubscribeURL: unsubscribeURL, now: now, configuration: configuration))
        case .sms:
            outcome = senders.sms(
                to: first.phone!, text: Self.sms(rendered, locale: first.locale, unsubscribeURL: unsubscribeURL))
        case .webhook:
            outcome = senders.webhook(
                id: "ntc_\(first.id)", timestamp: Int64(now.timeIntervalSince1970),
                body: Self.webhookBody(first, rendered: rendered[0], unsubscribeURL: unsubscribeURL, now: now))
        }
        output.messages += outcome.isSent ? 1 : 0
        switch outcome {
        case .sent(let code):
            sentInRun[first.recipientKey, default: 0] += 1
            output.sent += group.count
            return all("sent", outcome: "sent", attempted: true, messageId: messageId, code: code)
        case .permanent(let code, let detail):
            output.dead += group.count
            return all("dead", outcome: "permanent_failure", attempted: true, messageId: messageId, code: code, detail: detail)
        case .temporary(let code, let detail):
            return group.map { notice in
                let attempts = notice.attempts + 1
                if configuration.retry.givesUp(after: attempts) {
                    output.dead += 1
                    return NoticeResult(
                        notice: notice, status: "dead", nextAttemptAt: nil, attempted: true, outcome: "temporary_failure",
                        messageId: messageId, responseCode: code, detail: detail)
                }
                output.retrying += 1
                let delay = configuration.retry.delay(afterAttempt: attempts, random: random())
                return NoticeResult(
                    notice: notice, status: "pending", nextAttemptAt: now.addingTimeInterval(delay), attempted: true,
                    outcome: "temporary_failure", messageId: messageId, responseCode: code, detail: detail)
            }
        }
    }

    static func email(
        _ group: [Notice], rendered: [RenderedNotice], messageId: String, unsubscribeURL: String, now: Date,
        configuration: DeliveryConfiguration
    ) -> MIMEMessage {
        let first = group[0]
        let locale = first.locale
        let subject =
            rendered.count == 1 ? rendered[0].subject : MessageTemplates.digestSubject(count: rendered.count, locale: locale)
        let greeting = MessageTemplates.greeting(first.name, locale: locale)
        let label = MessageTemplates.unsubscribeLabel(locale: locale)
        var text = greeting + "\n\n"
        var html = "<p>\(HTMLPage.escape(greeting))</p>\n"
        for notice in rendered {
            text += notice.line + (notice.link.map { "\n\($0)" } ?? "") + "\n\n"
            html += "<p>\(HTMLPage.escape(notice.line))"
            if let link = notice.link { html += "<br><a href=\"\(HTMLPage.escape(link))\">\(HTMLPage.escape(link))</a>" }
            html += "</p>\n"
        }
        text += "--\n\(label): \(unsubscribeURL)\n"
        html +=
            "<hr><p style=\"font-size:small\"><a href=\"\(HTMLPage.escape(unsubscribeURL))\">\(HTMLPage.escape(label))</a></p>\n"
        return MIMEMessage(
            from: configuration.mailFrom, to: first.email ?? "", subject: subject, messageID: messageId, date: now,
            text: text, html: html, unsubscribeURL: unsubscribeURL)
    }

    static func sms(_ rendered: [RenderedNotice], locale: String?, unsubscribeURL: String) -> String {
        rendered.map(\.line).joined(separator: " ") + " \(MessageTemplates.smsStop(locale: locale)): \(unsubscribeURL)"
    }

    static func webhookBody(_ notice: Notice, rendered: RenderedNotice, unsubscribeURL: String, now: Date) -> Data {
        func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        let body: JSONValue = .object([
            "type": .string("notice.\(notice.kind)"),
            "timestamp": .string(Timestamp.format(now)),
            "data": .object([
                "notice_id": .number(Decimal(notice.id)), "dedupe_key": .string(notice.dedupeKey), "kind": .string(notice.kind),
                "programme": .string(notice.programme), "customer_id": notice.customerId.map { .number(Decimal($0)) } ?? .null,
                "external_id": optional(notice.externalId), "email": optional(notice.email), "locale": optional(notice.locale),
                "payload": .object(notice.payload), "subject": .string(rendered.subject), "text": .string(rendered.line),
                "unsubscribe_url": .string(unsubscribeURL),
            ]),
        ])
        return (try? JSONCoding.encode(body)) ?? Data("{}".utf8)
    }

    // MARK: Recording

    private func record(_ results: [NoticeResult], _ context: FunctionContext) throws {
        guard !results.isEmpty else { return }
        let ids = results.map(\.notice.id), statuses = results.map(\.status), next = results.map(\.nextAttemptAt)
        let attempted = results.map(\.attempted), details = results.map(\.detail)
        let attemptNumbers = results.map { $0.notice.attempts + ($0.attempted ? 1 : 0) }
        let channels = results.map { $0.notice.channel?.rawValue }, keys = results.map(\.notice.recipientKey)
        let messageIds = results.map(\.messageId), outcomes = results.map(\.outcome), codes = results.map(\.responseCode)
        let now = context.now
        try context.database.withTransaction { connection in
            try connection.query(
                """
                UPDATE notices n
                SET status = r.status, next_attempt_at = coalesce(r.next_at, n.next_attempt_at),
                    attempts = n.attempts + CASE WHEN r.attempted THEN 1 ELSE 0 END, last_error = r.detail,
                    sent_at = CASE WHEN r.status = 'sent' THEN \(now)::timestamptz END
                FROM unnest(\(ids)::bigint[], \(statuses)::text[], \(next)::timestamptz[], \(attempted)::boolean[], \(details)::text[])
                     AS r(id, status, next_at, attempted, detail)
                WHERE n.id = r.id AND n.status = 'sending'
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
