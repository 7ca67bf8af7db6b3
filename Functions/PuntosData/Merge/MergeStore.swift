import FoundationEssentials
import PuntosPostgres
import PuntosRuntime

/// The statements of a merge (MemberMerge), each over one table, and its log `member_merges`
/// (migration 0175). `absorbed` and `survivor` are customer ids of one programme, both locked.
struct MergeStore {
    let connection: PostgresConnection

    /// Who is merging and why, as every entry and card event of the merge records it.
    struct Origin {
        let programme: String
        let absorbed: Int64
        let survivor: Int64
        let requestId: String
        let now: Date
    }

    // MARK: Looking up

    /// The customer a customer now is: itself, or the survivor it was merged into.
    func survivor(of customer: Int64) throws -> Int64 {
        try connection.query("SELECT puntos_survivor(\(customer)) AS id").one().decode("id")
    }

    /// The merge that absorbed the customer, if one did: into whom, and its answer.
    func loggedMerge(absorbed customer: Int64) throws -> (survivor: Int64, summary: MergeSummary)? {
        guard
            let row = try connection.query(
                "SELECT survivor_id, summary::text AS summary FROM member_merges WHERE absorbed_id = \(customer)"
            ).first
        else { return nil }
        return (try row.decode("survivor_id"), try summary(row.decode("summary")))
    }

    /// The merge into `survivor` that moved this card, if one did (a repeat naming the absorbed by the
    /// card it had, which is the survivor's now).
    func loggedMerge(card: String, survivor: Int64, programme: String) throws -> MergeSummary? {
        guard
            let text: String = try connection.query(
                """
                SELECT summary::text AS summary FROM member_merges
                WHERE programme_id = \(programme) AND survivor_id = \(survivor) AND cards @> ARRAY[\(card)::text]
                ORDER BY id LIMIT 1
                """
            ).first?.decode("summary")
        else { return nil }
        return try summary(text)
    }

    private func summary(_ text: String) throws -> MergeSummary {
        do {
            return try JSONCoding.decoder().decode(MergeSummary.self, from: Data(text.utf8))
        } catch {
            throw FunctionError.bug("a logged merge summary does not decode: \(error)")
        }
    }

    /// Whether a customer id or card number names something in another programme.
    func existsElsewhere(_ identifier: MemberIdentifier.Value, programme: String) throws -> Bool {
        switch identifier {
        case .customerId(let id):
            try !connection.query("SELECT 1 FROM customers WHERE id = \(id) AND programme_id <> \(programme)").isEmpty
        case .cardNumber(let number):
            try !connection.query("SELECT 1 FROM cards WHERE number = \(number) AND programme_id <> \(programme)").isEmpty
        case .externalId, .email, .phone: false
        }
    }

    /// Locks both customers and their accounts (created when new), in id order so that two merges of
    /// the same pair, or a merge and a checkout, wait for each other rather than deadlock.
    func lock(_ customers: [Int64], programme: String) throws {
        let ids = Set(customers).sorted().map(String.init)
        try connection.query(
            "SELECT id FROM customers WHERE id = ANY (\(ids)::text[]::bigint[]) ORDER BY id FOR UPDATE")
        try connection.query(
            """
            INSERT INTO accounts AS a (customer_id, programme_id, may_go_negative)
            SELECT t.customer::bigint, \(programme), p.allow_negative
            FROM unnest(\(ids)::text[]) AS t(customer), programmes p WHERE p.id = \(programme)
            ORDER BY t.customer::bigint
            ON CONFLICT (customer_id) DO UPDATE SET may_go_negative = a.may_go_negative
            """)
    }

    func isErased(_ customer: Int64) throws -> Bool {
        try !connection.query("SELECT 1 FROM member_erasures WHERE customer_id = \(customer)").isEmpty
    }

    /// The account's available points (below zero: a debt).
    func available(_ customer: Int64) throws -> Int64 {
        try connection.query("SELECT available FROM accounts WHERE customer_id = \(customer)").one().decode("available")
    }

    // MARK: Moving points

    /// One `merged_out` entry on the absorbed account and one `merged_in` on the survivor's per lot with
    /// points left: available or pending as the lot is, its id, and its expiry and activation in the
    /// rule. The points moved, by bucket, and the number of lots.
    func moveLotPoints(_ o: Origin) throws -> (lots: Int, available: Int64, pending: Int64) {
        let row = try connection.query(
            """
            WITH l AS MATERIALIZED (
                SELECT l.id, l.remaining, l.active, l.activates_at, l.expires_at, i.number AS invoice_number, i.order_number
                FROM lots l LEFT JOIN invoices i ON i.id = l.invoice_id
                WHERE l.customer_id = \(o.absorbed) AND l.remaining > 0),
            sides AS (
                SELECT * FROM (VALUES (\(o.absorbed)::bigint, 'merged_out', -1, \(o.survivor)::bigint, 'merged_into',
                                       'merged into customer ' || \(o.survivor)::text),
                                      (\(o.survivor)::bigint, 'merged_in', 1, \(o.absorbed)::bigint, 'merged_from',
                                       'merged from customer ' || \(o.absorbed)::text))
                    AS s(customer_id, kind, sign, other, other_key, reason)),
            e AS (
                INSERT INTO ledger_entries (programme_id, customer_id, card_number, kind, available_delta, pending_delta,
                    invoice_number, order_number, lot_id, rule, reason, source, request_id, at)
                SELECT \(o.programme), s.customer_id, puntos_current_card(s.customer_id), s.kind,
                       CASE WHEN l.active THEN s.sign * l.remaining ELSE 0 END,
                       CASE WHEN l.active THEN 0 ELSE s.sign * l.remaining END,
                       l.invoice_number, l.order_number, l.id,
                       jsonb_build_object(s.other_key, s.other, 'lot_id', l.id, 'active', l.active,
                                          'activates_at', l.activates_at, 'expires_at', l.expires_at),
                       s.reason, 'member-data.merge', \(o.requestId), \(o.now)
                FROM l CROSS JOIN sides s ORDER BY l.id, s.sign
                RETURNING 1)
            SELECT (SELECT count(*) FROM l) AS lots,
                   (SELECT coalesce(sum(remaining) FILTER (WHERE active), 0) FROM l) AS available,
                   (SELECT coalesce(sum(remaining) FILTER (WHERE NOT active), 0) FROM l) AS pending,
                   (SELECT count(*) FROM e) AS entries
            """
        ).one()
        return (Int(try row.decode("lots") as Int64), try row.decode("available"), try row.decode("pending"))
    }

    /// One `merged_out` entry on the absorbed account and one `merged_in` on the survivor's per open hold
    /// (its hold id, voucher and order): the held points move with the hold. The holds and points moved.
    func moveHeldPoints(_ o: Origin) throws -> (holds: Int, held: Int64) {
        let row = try connection.query(
            """
            WITH h AS MATERIALIZED (
                SELECT id, points, voucher_number, order_number FROM holds WHERE customer_id = \(o.absorbed) AND status = 'open'),
            sides AS (
                SELECT * FROM (VALUES (\(o.absorbed)::bigint, 'merged_out', -1, \(o.survivor)::bigint, 'merged_into',
                                       'merged into customer ' || \(o.survivor)::text),
                                      (\(o.survivor)::bigint, 'merged_in', 1, \(o.absorbed)::bigint, 'merged_from',
                                       'merged from customer ' || \(o.absorbed)::text))
                    AS s(customer_id, kind, sign, other, other_key, reason)),
            e AS (
                INSERT INTO ledger_entries (programme_id, customer_id, card_number, kind, held_delta, order_number,
                    voucher_number, hold_id, rule, reason, source, request_id, at)
                SELECT \(o.programme), s.customer_id, puntos_current_card(s.customer_id), s.kind, s.sign * h.points,
                       h.order_number, h.voucher_number, h.id, jsonb_build_object(s.other_key, s.other, 'hold_id', h.id),
                       s.reason, 'member-data.merge', \(o.requestId), \(o.now)
                FROM h CROSS JOIN sides s ORDER BY h.id, s.sign
                RETURNING 1)
            SELECT (SELECT count(*) FROM h) AS holds, (SELECT coalesce(sum(points), 0) FROM h) AS held,
                   (SELECT count(*) FROM e) AS entries
            """
        ).one()
        return (Int(try row.decode("holds") as Int64), try row.decode("held"))
    }

    // MARK: Moving rows

    /// The absorbed customer's lots, holds, invoices and coupons become the survivor's (working rows,
    /// not history: the ledger keeps who each entry was written for). The invoices and coupons moved.
    func moveOwnedRows(_ o: Origin) throws -> (invoices: Int, coupons: Int) {
        try connection.query("UPDATE lots SET customer_id = \(o.survivor) WHERE customer_id = \(o.absorbed)")
        try connection.query("UPDATE holds SET customer_id = \(o.survivor) WHERE customer_id = \(o.absorbed)")
        let invoices = try connection.query(
            "UPDATE invoices SET customer_id = \(o.survivor) WHERE customer_id = \(o.absorbed)"
        ).affectedRows
        let coupons = try connection.query(
            "UPDATE coupons SET customer_id = \(o.survivor) WHERE customer_id = \(o.absorbed)"
        ).affectedRows
        return (invoices, coupons)
    }

    /// The absorbed customer's active card, when the survivor has one too, is replaced by it (a `merged`
    /// card event); then every card of the absorbed customer becomes the survivor's (a `moved` event).
    func moveCards(_ o: Origin) throws -> (moved: [String], replaced: String?) {
        let replaced: String? = try connection.query(
            """
            WITH s AS (SELECT number FROM cards WHERE customer_id = \(o.survivor) AND status = 'active'),
            r AS (
                UPDATE cards c SET status = 'replaced', replaced_by = s.number,
                    status_reason = 'merged into customer ' || \(o.survivor)::text, status_changed_at = \(o.now)
                FROM s WHERE c.customer_id = \(o.absorbed) AND c.status = 'active'
                RETURNING c.number, s.number AS survivor_card),
            e AS (
                INSERT INTO card_events (card_number, kind, reason, related, source, request_id, at)
                SELECT number, 'merged', 'merged into customer ' || \(o.survivor)::text, survivor_card, 'member-data.merge',
                       \(o.requestId), \(o.now)
                FROM r)
            SELECT number FROM r
            """
        ).first?.decode("number")
        let moved: [String] = try connection.query(
            """
            WITH m AS (UPDATE cards SET customer_id = \(o.survivor) WHERE customer_id = \(o.absorbed) RETURNING number),
            e AS (
                INSERT INTO card_events (card_number, kind, reason, source, request_id, at)
                SELECT number, 'moved', 'moved to customer ' || \(o.survivor)::text, 'member-data.merge', \(o.requestId),
                       \(o.now)
                FROM m)
            SELECT number FROM m ORDER BY number
            """
        ).map { try $0.decode("number") }
        return (moved, replaced)
    }

    /// The absorbed customer's alert subscriptions become the survivor's; a live one the survivor already
    /// has (same sku, kind and store) is `removed` instead. (Moved, removed.)
    func moveSubscriptions(_ o: Origin) throws -> (moved: Int, removed: Int) {
        let removed = try connection.query(
            """
            UPDATE alert_subscriptions a SET status = 'removed', removed_at = \(o.now)
            WHERE a.customer_id = \(o.absorbed) AND a.status IN ('pending', 'active')
              AND EXISTS (SELECT 1 FROM alert_subscriptions b
                          WHERE b.customer_id = \(o.survivor) AND b.programme_id = a.programme_id AND b.sku = a.sku
                            AND b.kind = a.kind AND b.store = a.store AND b.status IN ('pending', 'active'))
            """
        ).affectedRows
        let moved = try connection.query(
            "UPDATE alert_subscriptions SET customer_id = \(o.survivor) WHERE customer_id = \(o.absorbed)"
        ).affectedRows
        return (moved, removed)
    }

    /// Agreement versions the absorbed customer accepted and the survivor did not, copied with their
    /// acceptance time (agreements are append-only: the absorbed's stay).
    func copyAgreements(_ o: Origin) throws -> Int {
        try connection.query(
            """
            INSERT INTO agreements (customer_id, version, accepted_at, recorded_at, source, request_id)
            SELECT \(o.survivor), version, accepted_at, greatest(\(o.now), accepted_at), 'member-data.merge', \(o.requestId)
            FROM agreements WHERE customer_id = \(o.absorbed)
            ON CONFLICT (customer_id, version) DO NOTHING
            """
        ).affectedRows
    }

    /// The absorbed customer's notification settings, when the survivor has none.
    func moveNotificationSettings(_ o: Origin) throws -> Bool {
        try connection.query(
            """
            UPDATE notification_settings SET customer_id = \(o.survivor)
            WHERE customer_id = \(o.absorbed)
              AND NOT EXISTS (SELECT 1 FROM notification_settings WHERE customer_id = \(o.survivor))
            """
        ).affectedRows == 1
    }

    /// A stop said under the absorbed customer's key holds for the survivor too: a merge never makes
    /// Puntos write to someone who said stop.
    func copyUnsubscribes(_ o: Origin) throws -> Int {
        try connection.query(
            """
            INSERT INTO unsubscribes (programme_id, address_key, notice_id, source)
            SELECT programme_id, puntos_recipient_key(\(o.survivor), NULL, NULL), notice_id, 'member-data.merge'
            FROM unsubscribes
            WHERE programme_id = \(o.programme) AND address_key = puntos_recipient_key(\(o.absorbed), NULL, NULL)
            ON CONFLICT DO NOTHING
            """
        ).affectedRows
    }

    /// The merge in the append-only log, with the cards it moved.
    func log(_ summary: JSONText, _ o: Origin, cards: [String], reason: String?) throws {
        try connection.query(
            """
            INSERT INTO member_merges (programme_id, absorbed_id, survivor_id, cards, summary, reason, source, request_id, at)
            VALUES (\(o.programme), \(o.absorbed), \(o.survivor), \(cards)::text[], \(summary)::jsonb, \(reason),
                    'member-data.merge', \(o.requestId), \(o.now))
            """)
    }
}
