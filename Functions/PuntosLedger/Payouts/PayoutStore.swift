package import FoundationEssentials
package import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// A payout as the `payouts` table keeps it, with its hold's voucher number.
package struct PayoutRow: Sendable {
    package var id: Int64
    package var number: String
    package var customerId: Int64
    package var cardNumber: String
    package var holdId: Int64
    package var voucherNumber: String
    package var points: Int64
    package var amount: Decimal
    package var currency: String
    package var destination: String
    package var status: PayoutStatus
    package var providerReference: String?
    package var createdAt: Date

    init(_ row: PostgresRow) throws {
        id = try row.decode("id")
        number = try row.decode("number")
        customerId = try row.decode("customer_id")
        cardNumber = try row.decode("card_number")
        holdId = try row.decode("hold_id")
        voucherNumber = try row.decode("voucher_number")
        points = try row.decode("points")
        amount = try row.decode("amount")
        currency = try row.decode("currency")
        destination = try row.decode("destination")
        status = try row.decode("status")
        providerReference = try row.decodeIfPresent("provider_reference")
        createdAt = try row.decode("created_at")
    }
}

/// The `payouts` table of one programme, its events and its outbox (`payout_requests`), and the
/// payout's hold. Every write runs inside the caller's ledger transaction.
package struct PayoutStore {
    package let connection: PostgresConnection
    package let programmeId: String
    package let requestId: String
    package let now: Date

    /// A fresh payout number: P and 12 digits.
    package static func number() -> String { "P" + String((0..<12).map { _ in "0123456789".randomElement()! }) }

    /// Refuses anything that is not a payout number, naming `payout_id`.
    package static func validate(number: String) throws -> String {
        let utf8 = Array(number.utf8)
        guard utf8.count == 13, utf8[0] == UInt8(ascii: "P"),
            utf8.dropFirst().allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else {
            throw FunctionError.badInput(.invalidValue, field: "payout_id", "payout_id is P and 12 digits")
        }
        return number
    }

    /// Places the payout's hold: open, without a time limit, the payout's number as its order.
    func placeHold(_ account: LedgerAccount, number: String, voucher: String, points: Int64, amount: Decimal) throws -> Int64 {
        try connection.query(
            """
            INSERT INTO holds (programme_id, customer_id, card_number, order_number, voucher_number, points, order_amount,
                               status, expires_at, created_at, purpose)
            VALUES (\(programmeId), \(account.customerId), \(account.cardNumber), \(number), \(voucher), \(points), \(amount),
                    'open', NULL, \(now), 'payout')
            RETURNING id
            """
        ).one().decode("id")
    }

    func insert(
        _ account: LedgerAccount, number: String, holdId: Int64, points: Int64, amount: Decimal, currency: String,
        destination: String
    ) throws -> Int64 {
        try connection.query(
            """
            INSERT INTO payouts (programme_id, number, customer_id, card_number, hold_id, points, amount, currency, destination,
                                 status, created_at)
            VALUES (\(programmeId), \(number), \(account.customerId), \(account.cardNumber), \(holdId), \(points), \(amount),
                    \(currency), \(destination), \(PayoutStatus.requested), \(now))
            RETURNING id
            """
        ).one().decode("id")
    }

    /// The payout by its number, locked; `forUpdate: false` only reads it, to find the account to lock first.
    package func find(_ number: String, forUpdate: Bool = true) throws -> PayoutRow {
        let rows =
            forUpdate
            ? try connection.query(
                """
                SELECT p.id, p.number, p.customer_id, p.card_number, p.hold_id, h.voucher_number, p.points, p.amount,
                       p.currency, p.destination, p.status, p.provider_reference, p.created_at
                FROM payouts p JOIN holds h ON h.id = p.hold_id
                WHERE p.programme_id = \(programmeId) AND p.number = \(number) FOR UPDATE OF p
                """)
            : try connection.query(
                """
                SELECT p.id, p.number, p.customer_id, p.card_number, p.hold_id, h.voucher_number, p.points, p.amount,
                       p.currency, p.destination, p.status, p.provider_reference, p.created_at
                FROM payouts p JOIN holds h ON h.id = p.hold_id
                WHERE p.programme_id = \(programmeId) AND p.number = \(number)
                """)
        guard let row = rows.first else {
            throw FunctionError.notFound(.payoutNotFound, field: "payout_id", "there is no payout \(number)")
        }
        return try PayoutRow(row)
    }

    /// Moves the payout to `status` (settled ones get their `resolved_at`), with the provider's
    /// reference where one is given, and appends the event saying so.
    func move(_ payout: inout PayoutRow, to status: PayoutStatus, reference: String? = nil, detail: String?, source: String)
        throws
    {
        try connection.query(
            """
            UPDATE payouts SET status = \(status), provider_reference = coalesce(\(reference)::text, provider_reference),
                               resolved_at = CASE WHEN \(status)::text IN ('rejected', 'succeeded', 'failed') THEN \(now)::timestamptz END
            WHERE id = \(payout.id)
            """)
        try record(payout.id, status, reference: reference ?? payout.providerReference, detail: detail, source: source)
        payout.status = status
        if let reference { payout.providerReference = reference }
    }

    func record(_ payoutId: Int64, _ kind: PayoutStatus, reference: String?, detail: String?, source: String) throws {
        try connection.query(
            """
            INSERT INTO payout_events (payout_id, kind, provider_reference, detail, source, request_id, at)
            VALUES (\(payoutId), \(kind), \(reference), \(detail), \(source), \(requestId), \(now))
            """)
    }

    /// Writes the provider request to the payout outbox: the exact body `deliver` signs and sends, and
    /// the payout's number as the idempotency key the provider deduplicates on.
    func enqueueRequest(_ payout: PayoutRow, callbackURL: String) throws {
        try connection.query(
            """
            INSERT INTO payout_requests (payout_id, programme_id, idempotency_key, body, next_attempt_at, created_at)
            SELECT p.id, p.programme_id, p.number,
                   jsonb_build_object('payout_id', p.number, 'amount', p.amount::text, 'currency', p.currency,
                                      'destination', p.destination, 'callback_url', \(callbackURL)::text)::text,
                   \(now), \(now)
            FROM payouts p WHERE p.id = \(payout.id)
            """)
    }
}

extension LedgerStore {
    package var payouts: PayoutStore {
        PayoutStore(connection: connection, programmeId: programmeId, requestId: requestId, now: now)
    }
}
