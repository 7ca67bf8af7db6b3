import FoundationEssentials
import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// The one event `expire` understands: a sweep, fired by a schedule.
package struct ExpireEvent: Codable, Equatable, KindedEvent {
    package var kind = "sweep"
    package var programme: String?
    /// A repeated sweep under the same key returns the first answer.
    package var idempotencyKey: String?
    /// Customers handled per run: 1 to 100000, 10000 without it.
    package var limit: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, programme, limit, idempotencyKey = "idempotency_key"
    }

    package static let kindTable = EventKinds<ExpireEvent>(
        "an expire event", defaultKind: "sweep", .kind("sweep", CodingKeys.self) { try ExpireEvent(sweep: $0) })

    package init(from decoder: any Decoder) throws { self = try Self.kindTable.decode(decoder) }

    private init(sweep decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        programme = try c.decodeIfPresent(String.self, forKey: .programme)
        idempotencyKey = try c.decodeIfPresent(String.self, forKey: .idempotencyKey)
        limit = try c.decodeIfPresent(Int.self, forKey: .limit)
    }
}

package struct ExpireResult: Codable, Sendable, Equatable {
    /// Points that left pending for available.
    package var activated: Int64 = 0
    /// Points that expired.
    package var expired: Int64 = 0
    /// Holds released because their time was up.
    package var holdsReleased: Int = 0
    /// "Points expire in N days" notices written.
    package var noticesWritten: Int = 0
    package var customers: Int = 0

    enum CodingKeys: String, CodingKey {
        case activated, expired, customers, holdsReleased = "holds_released", noticesWritten = "notices_written"
    }
}

/// `expire`: activates pending lots, expires lots, releases timed-out holds and writes expiry notices.
/// Each customer is handled in its own short transaction under its account lock, so two sweeps at
/// once never touch the same points twice: the second finds nothing left to do.
package struct Expire: FunctionHandler {
    package static let name = "expire"
    package static let scheduledEventKind: String? = "sweep"
    package static let httpRoutes = ["POST /expire": "sweep"]

    package init() {}

    package func handle(_ event: ExpireEvent, context: FunctionContext) throws -> ExpireResult {
        let programme = try Validate.programme(event.programme)
        let limit = event.limit ?? 10_000
        guard (1...100_000).contains(limit) else {
            throw FunctionError.badInput(.invalidValue, field: "limit", "limit must be 1 to 100000")
        }
        let result = try sweep(programme, limit: limit, context)
        // A sweep is safe to repeat; under a key, the repeat answers with the first sweep's figures.
        guard let key = event.idempotencyKey else { return result }
        return try Idempotency.run(
            database: context.database, programme: programme, scope: "expire.sweep", key: key,
            request: event
        ) { _ in result }
    }

    private func sweep(_ programme: String, limit: Int, _ context: FunctionContext) throws -> ExpireResult {
        var result = ExpireResult()
        let due: [Int64] = try context.database.withConnection { connection in
            try connection.query(
                """
                SELECT customer_id FROM (
                    SELECT customer_id FROM lots WHERE NOT active AND activates_at <= \(context.now)
                    UNION SELECT customer_id FROM lots WHERE active AND remaining > 0 AND expires_at <= \(context.now)
                    UNION SELECT customer_id FROM holds WHERE status = 'open' AND expires_at <= \(context.now)
                ) due JOIN customers u ON u.id = due.customer_id
                WHERE u.programme_id = \(programme) ORDER BY 1 LIMIT \(limit)
                """
            ).map { try $0.decode("customer_id") }
        }
        for customerId in due {
            guard Date() < context.deadline else { break }
            try context.database.withTransaction { connection in
                let store = LedgerStore(
                    connection: connection, settings: try LedgerSettings.load(programme, from: connection),
                    requestId: context.requestId, now: context.now)
                try sweepCustomer(customerId, store: store, into: &result)
            }
        }
        result.customers = due.count
        result.noticesWritten = try context.database.withConnection { connection in
            let settings = try LedgerSettings.load(programme, from: connection)
            return try connection.query(
                """
                INSERT INTO notices (programme_id, customer_id, kind, dedupe_key, payload, locale)
                SELECT \(programme), l.customer_id, 'points_expiring',
                       'expiring:' || l.id::text || ':' || to_char(l.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                       jsonb_build_object('lot_id', l.id, 'points', l.remaining, 'expires_at', l.expires_at,
                                          'days', greatest(0, ceil(extract(epoch FROM l.expires_at - \(context.now)::timestamptz) / 86400))::int),
                       u.locale
                FROM lots l JOIN customers u ON u.id = l.customer_id
                WHERE u.programme_id = \(programme) AND l.active AND l.remaining > 0
                  AND l.expires_at > \(context.now) AND l.expires_at <= \(context.now.addingTimeInterval(Double(settings.expiryNoticeDays) * 86_400))
                ON CONFLICT (dedupe_key) DO NOTHING
                """
            ).affectedRows
        }
        return result
    }

    private func sweepCustomer(_ customerId: Int64, store: LedgerStore, into result: inout ExpireResult) throws {
        var account = try store.lockCustomer(customerId)
        let before = try store.connection.query(
            """
            SELECT count(*) AS n FROM holds WHERE customer_id = \(customerId) AND status = 'open' AND expires_at <= \(store.now)
            """
        ).one().decode("n", as: Int.self)
        try store.releaseTimedOutHolds(&account)
        result.holdsReleased += before
        // Pending lots whose return window closed become available (first paying back a negative balance).
        for row in try store.connection.query(
            """
            UPDATE lots SET active = true WHERE customer_id = \(customerId) AND NOT active AND activates_at <= \(store.now)
            RETURNING id, remaining
            """)
        {
            let lotId: Int64 = try row.decode("id")
            let remaining: Int64 = try row.decode("remaining")
            guard remaining > 0 else { continue }
            let debt = min(remaining, max(0, -account.available))
            try store.append(
                &account, .init(kind: "activation", lotId: lotId, reason: "return window closed", source: "expire"),
                available: remaining, pending: -remaining,
                draws: debt > 0 ? [LotDraw(lotId: lotId, points: -debt)] : [], notice: "points_activated")
            result.activated += remaining
        }
        // Lots past their expiry lose what is left.
        for row in try store.connection.query(
            """
            SELECT id, remaining FROM lots
            WHERE customer_id = \(customerId) AND active AND remaining > 0 AND expires_at <= \(store.now) ORDER BY id FOR UPDATE
            """)
        {
            let lotId: Int64 = try row.decode("id")
            let remaining: Int64 = try row.decode("remaining")
            try store.append(
                &account, .init(kind: "expiry", lotId: lotId, reason: "points expired", source: "expire"),
                available: -remaining, draws: [LotDraw(lotId: lotId, points: -remaining)], notice: "points_expired")
            result.expired += remaining
        }
    }
}
