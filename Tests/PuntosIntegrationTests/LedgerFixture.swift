import Foundation
import PuntosAlerts
import PuntosCards
import PuntosCore
import PuntosDelivery
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// A programme of its own per test, cards on it, the ledger functions, and the invariant checks.
struct LedgerFixture {
    let programme: String
    let database: Database

    struct Settings {
        var currency = "USD"
        var pointsPerUnit: Decimal = 1
        var rounding = "down"
        var minRedemption: Int64 = 0
        var pointValue: Decimal = Decimal(string: "0.01")!
        var maxOrderShare: Decimal = 1
        var pendingDays = 0
        var expiry = "none"
        var expiryDays: Int?
        var allowNegative = false
        var agreementRequired = true
        var regions: [String]?
    }

    init(_ settings: Settings = Settings()) throws {
        programme = "t-" + UUID().uuidString.lowercased().prefix(12)
        database = try TestDatabase.make()
        let s = settings
        try database.withConnection { connection in
            try connection.query(
                """
                INSERT INTO programmes (id, name, currency, points_per_unit, rounding, min_redemption, point_value, max_order_share,
                                        pending_days, expiry, expiry_days, allow_negative, agreement_required, regions)
                VALUES (\(programme), 'test', \(s.currency), \(s.pointsPerUnit), \(s.rounding), \(s.minRedemption), \(s.pointValue),
                        \(s.maxOrderShare), \(s.pendingDays), \(s.expiry), \(s.expiryDays), \(s.allowNegative), \(s.agreementRequired),
                        \(s.regions))
                """)
        }
    }

    func context(_ now: Date = Date()) -> FunctionContext {
        FunctionContext.make(database: database, logger: TestDatabase.logger, now: now)
    }

    /// A new customer with a printed card; the agreement accepted `agreementDaysAgo` days ago (nil: never).
    func card(agreementDaysAgo: Double? = 30, segment: String? = nil) throws -> String {
        let number = CardNumber.generate(prefix: "9", length: 16).digits
        let external = TestDatabase.unique("L")
        let event = try EventDecoding.decode(
            RegisterCardEvent.self,
            from: Data(
                #"{"kind":"link","programme":"\#(programme)","card_number":"\#(number)","customer":{"external_id":"\#(external)"}}"#
                    .utf8))
        _ = try RegisterCard().handle(event, context: context())
        if let days = agreementDaysAgo {
            let at = Timestamp.format(Date().addingTimeInterval(-days * 86_400))
            let accept = try EventDecoding.decode(
                RegisterCardEvent.self,
                from: Data(
                    #"{"kind":"accept_agreement","programme":"\#(programme)","card_number":"\#(number)","version":"v1","accepted_at":"\#(at)"}"#
                        .utf8))
            _ = try RegisterCard().handle(accept, context: context())
        }
        if let segment {
            try database.withConnection {
                try $0.query("UPDATE customers SET segment = \(segment) WHERE external_id = \(external)")
            }
        }
        return number
    }

    func promotion(_ code: String, target: String, value: String, multiplier: Decimal = 1, bonus: Decimal = 0) throws {
        try database.withConnection {
            try $0.query(
                """
                INSERT INTO promotions (programme_id, code, target, value, multiplier, bonus_per_unit, starts_at, ends_at)
                VALUES (\(programme), \(code), \(target), \(value), \(multiplier), \(bonus), now() - interval '400 days', now() + interval '30 days')
                """)
        }
    }

    /// The event JSON with this fixture's programme added.
    func json(_ body: String) -> Data {
        Data((#"{"programme":"\#(programme)","# + body.dropFirst()).utf8)
    }

    func accrue(_ body: String, now: Date = Date()) throws -> AccrueResult {
        try Accrue().handle(try EventDecoding.decode(AccrueEvent.self, from: json(body)), context: context(now))
    }

    func redeem(_ body: String, now: Date = Date()) throws -> RedeemResult {
        try Redeem().handle(try EventDecoding.decode(RedeemEvent.self, from: json(body)), context: context(now))
    }

    func balance(_ body: String, now: Date = Date()) throws -> BalanceResult {
        try Balance().handle(try EventDecoding.decode(BalanceEvent.self, from: json(body)), context: context(now))
    }

    func expire(now: Date) throws -> ExpireResult {
        try Expire().handle(try EventDecoding.decode(ExpireEvent.self, from: json(#"{"kind":"sweep"}"#)), context: context(now))
    }

    func balance(of card: String) throws -> BalanceView {
        try balance(#"{"kind":"balance","card_number":"\#(card)"}"#).balance!
    }

    /// The error a call throws, or nil.
    func failure(_ body: () throws -> Any) -> FunctionError? {
        do {
            _ = try body()
            return nil
        } catch let error as FunctionError {
            return error
        } catch {
            Issue.record("not a FunctionError: \(error)")
            return nil
        }
    }

    func count(_ table: String) throws -> Int {
        try database.withConnection { connection in
            switch table {
            case "ledger_entries":
                try connection.query("SELECT count(*) AS n FROM ledger_entries WHERE programme_id = \(programme)").one().decode(
                    "n")
            case "invoices":
                try connection.query("SELECT count(*) AS n FROM invoices WHERE programme_id = \(programme)").one().decode("n")
            case "holds":
                try connection.query("SELECT count(*) AS n FROM holds WHERE programme_id = \(programme)").one().decode("n")
            default:
                try connection.query("SELECT count(*) AS n FROM notices WHERE programme_id = \(programme)").one().decode("n")
            }
        }
    }

    /// Every invariant of the ledger, for this programme: each names the rows that break it. `notices`:
    /// every entry has its notice (history brought in by `puntos import` tells nobody, so has none).
    func checkInvariants(notices checkNotices: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try database.withTransaction(isolation: .repeatableRead) { connection in
            // A balance equals the sum of its entries.
            let sums = try connection.query(
                """
                SELECT a.customer_id FROM accounts a
                LEFT JOIN (SELECT customer_id, sum(available_delta) AS av, sum(pending_delta) AS pe, sum(held_delta) AS he
                           FROM ledger_entries GROUP BY customer_id) e ON e.customer_id = a.customer_id
                WHERE a.programme_id = \(programme)
                  AND (a.available <> coalesce(e.av, 0) OR a.pending <> coalesce(e.pe, 0) OR a.held <> coalesce(e.he, 0))
                """)
            #expect(
                sums.isEmpty, "balances differ from the sum of entries for \(sums.count) accounts", sourceLocation: sourceLocation
            )
            // Lots: remaining is the credit plus its draws, never overspent; buckets match the lots.
            let lots = try connection.query(
                """
                SELECT l.id FROM lots l JOIN customers u ON u.id = l.customer_id
                LEFT JOIN (SELECT lot_id, sum(points) AS drawn FROM lot_draws GROUP BY lot_id) d ON d.lot_id = l.id
                WHERE u.programme_id = \(programme) AND l.remaining <> l.points + coalesce(d.drawn, 0)
                """)
            #expect(lots.isEmpty, "\(lots.count) lots whose remaining differs from their draws", sourceLocation: sourceLocation)
            let buckets = try connection.query(
                """
                SELECT a.customer_id FROM accounts a
                LEFT JOIN (SELECT customer_id, sum(remaining) FILTER (WHERE active) AS av, sum(remaining) FILTER (WHERE NOT active) AS pe
                           FROM lots GROUP BY customer_id) l ON l.customer_id = a.customer_id
                LEFT JOIN (SELECT customer_id, sum(points) AS held FROM holds WHERE status = 'open' GROUP BY customer_id) h
                       ON h.customer_id = a.customer_id
                WHERE a.programme_id = \(programme)
                  AND (greatest(a.available, 0) <> coalesce(l.av, 0) OR a.pending <> coalesce(l.pe, 0) OR a.held <> coalesce(h.held, 0))
                """)
            #expect(
                buckets.isEmpty, "\(buckets.count) accounts whose buckets differ from their lots and holds",
                sourceLocation: sourceLocation)
            // No negative available unless the programme allows it.
            let negative = try connection.query(
                """
                SELECT a.customer_id FROM accounts a JOIN programmes p ON p.id = a.programme_id
                WHERE a.programme_id = \(programme) AND a.available < 0 AND NOT p.allow_negative
                """)
            #expect(negative.isEmpty, sourceLocation: sourceLocation)
            // Every hold resolved once: a resolved hold holds nothing; a committed one has one redemption.
            let holds = try connection.query(
                """
                SELECT h.id FROM holds h
                LEFT JOIN (SELECT hold_id, sum(held_delta) AS held, count(*) FILTER (WHERE kind = 'redemption') AS redemptions,
                                  count(*) FILTER (WHERE kind = 'hold') AS opened
                           FROM ledger_entries WHERE hold_id IS NOT NULL GROUP BY hold_id) e ON e.hold_id = h.id
                WHERE h.programme_id = \(programme)
                  AND (e.opened <> 1 OR (h.status = 'open') <> (e.held = h.points) OR (h.status <> 'open' AND e.held <> 0)
                       OR e.redemptions <> (CASE WHEN h.status = 'committed' THEN 1 ELSE 0 END))
                """)
            #expect(holds.isEmpty, "\(holds.count) holds not resolved exactly once", sourceLocation: sourceLocation)
            // Every entry has its notice in the outbox.
            guard checkNotices else { return }
            let notices = try connection.query(
                """
                SELECT e.id FROM ledger_entries e LEFT JOIN notices n ON n.dedupe_key = 'ledger:' || e.id::text
                WHERE e.programme_id = \(programme) AND n.id IS NULL
                """)
            #expect(notices.isEmpty, "\(notices.count) entries without a notice", sourceLocation: sourceLocation)
        }
    }
}

/// A small seeded generator, so a failing random sequence can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
