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

    /// Unknown fields are refused before the kind is read, as `expire` always has.
    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        self = try Self.kindTable.decode(decoder)
    }

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
    /// Tier downgrades the review applied (Tiers/TierSweep).
    package var tierChanges: Int = 0

    enum CodingKeys: String, CodingKey {
        case activated, expired, customers, holdsReleased = "holds_released", noticesWritten = "notices_written"
        case tierChanges = "tier_changes"
    }

    package init() {}

    /// Reads an answer stored before tiers existed too (its replay must answer, not fail): a field added
    /// to a result later is read as its zero when absent.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        activated = try c.decode(Int64.self, forKey: .activated)
        expired = try c.decode(Int64.self, forKey: .expired)
        holdsReleased = try c.decode(Int.self, forKey: .holdsReleased)
        noticesWritten = try c.decode(Int.self, forKey: .noticesWritten)
        customers = try c.decode(Int.self, forKey: .customers)
        tierChanges = try c.decodeIfPresent(Int.self, forKey: .tierChanges) ?? 0
    }
}

/// `expire`: activates pending lots, expires lots, releases timed-out holds, writes expiry notices and
/// reviews tiers (downgrades at the end of a period).
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
        let due = try context.database.withConnection { connection in
            try SweepStore(connection: connection, programmeId: programme, now: context.now).customersDue(limit: limit)
        }
        for customerId in due {
            guard Date() < context.deadline else { break }
            try context.database.withTransaction { connection in
                let store = LedgerStore(
                    connection: connection, settings: try ProgrammeSettingsStore(connection: connection).load(programme),
                    requestId: context.requestId, now: context.now)
                try sweepCustomer(customerId, store: store, into: &result)
            }
        }
        result.customers = due.count
        result.tierChanges = try TierSweep.run(programme, limit: limit, context)
        result.noticesWritten = try context.database.withConnection { connection in
            let settings = try ProgrammeSettingsStore(connection: connection).load(programme)
            return try NoticeStore(connection: connection, programmeId: programme, now: context.now)
                .writeExpiringNotices(withinDays: settings.expiryNoticeDays)
        }
        return result
    }

    private func sweepCustomer(_ customerId: Int64, store: LedgerStore, into result: inout ExpireResult) throws {
        var account = try store.accounts.lock(customerId: customerId)
        result.holdsReleased += try store.releaseTimedOutHolds(&account)
        // Pending lots whose return window closed become available (first paying back a negative
        // balance), on the statement at the moment the window closed.
        for (lot, activatesAt) in try store.activateDueLots(customerId: customerId) where lot.remaining > 0 {
            let debt = min(lot.remaining, max(0, -account.available))
            try store.append(
                &account,
                EntryFacts(
                    kind: .activation, lotId: lot.id, reason: "return window closed", source: "expire",
                    businessAt: activatesAt),
                available: lot.remaining, pending: -lot.remaining,
                draws: debt > 0 ? [LotDraw(lotId: lot.id, points: -debt)] : [], notice: .pointsActivated)
            result.activated += lot.remaining
        }
        // Lots past their expiry lose what is left, on the statement at the day they expired.
        for lot in try store.expiredLots(customerId: customerId) {
            try store.append(
                &account,
                EntryFacts(
                    kind: .expiry, lotId: lot.id, reason: "points expired", source: "expire", businessAt: lot.expiresAt),
                available: -lot.remaining, draws: [LotDraw(lotId: lot.id, points: -lot.remaining)], notice: .pointsExpired)
            result.expired += lot.remaining
        }
    }
}
