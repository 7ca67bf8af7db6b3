package import FoundationEssentials
package import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// A hold as the `holds` table keeps it.
package struct HoldRow: Sendable {
    package var id: Int64
    package var voucherNumber: String
    package var customerId: Int64
    package var orderNumber: String
    package var points: Int64
    package var status: HoldStatus
    package var expiresAt: Date

    init(_ row: PostgresRow) throws {
        id = try row.decode("id")
        voucherNumber = try row.decode("voucher_number")
        customerId = try row.decode("customer_id")
        orderNumber = try row.decode("order_number")
        points = try row.decode("points")
        status = try row.decode("status")
        expiresAt = try row.decode("expires_at")
    }
}

/// A new hold, as `redeem` places it.
package struct NewHold {
    package var account: LedgerAccount
    package var orderNumber: String
    package var voucherNumber: String
    package var points: Int64
    package var orderAmount: Decimal
    package var expiresAt: Date
}

/// The `holds` table of one programme.
package struct HoldStore {
    package let connection: PostgresConnection
    package let programmeId: String
    package let now: Date

    /// Places an open hold; nil when the order already has one.
    package func insert(_ hold: NewHold) throws -> Int64? {
        try connection.query(
            """
            INSERT INTO holds (programme_id, customer_id, card_number, order_number, voucher_number, points, order_amount,
                               status, expires_at, created_at)
            VALUES (\(programmeId), \(hold.account.customerId), \(hold.account.cardNumber), \(hold.orderNumber),
                    \(hold.voucherNumber), \(hold.points), \(hold.orderAmount), \(HoldStatus.open), \(hold.expiresAt), \(now))
            ON CONFLICT DO NOTHING RETURNING id
            """
        ).first?.decode("id")
    }

    /// The checkout hold a commit or release names (a payout's hold is settled by its payout only), locked; `forUpdate: false` only reads it, to find the
    /// account to lock first.
    package func find(_ reference: HoldReference, forUpdate: Bool = true) throws -> HoldRow {
        let rows =
            forUpdate
            ? try connection.query(
                """
                SELECT id, voucher_number, customer_id, order_number, points, status, expires_at FROM holds
                WHERE programme_id = \(programmeId) AND purpose = 'checkout'
                  AND (voucher_number = \(reference.voucher) OR (\(reference.voucher)::text IS NULL AND order_number = \(reference.order)))
                ORDER BY id DESC LIMIT 1 FOR UPDATE
                """)
            : try connection.query(
                """
                SELECT id, voucher_number, customer_id, order_number, points, status, expires_at FROM holds
                WHERE programme_id = \(programmeId) AND purpose = 'checkout'
                  AND (voucher_number = \(reference.voucher) OR (\(reference.voucher)::text IS NULL AND order_number = \(reference.order)))
                ORDER BY id DESC LIMIT 1
                """)
        guard let row = rows.first else {
            throw FunctionError.notFound(.holdNotFound, field: reference.field, "there is no such hold")
        }
        return try HoldRow(row)
    }

    /// An order's open holds, locked.
    package func open(orderNumber: String) throws -> [HoldRow] {
        try connection.query(
            """
            SELECT id, voucher_number, customer_id, order_number, points, status, expires_at FROM holds
            WHERE programme_id = \(programmeId) AND purpose = 'checkout' AND order_number = \(orderNumber) AND status = 'open'
            FOR UPDATE
            """
        ).map(HoldRow.init)
    }

    /// A customer's open holds whose time is up, locked, oldest first.
    package func timedOut(customerId: Int64) throws -> [HoldRow] {
        try connection.query(
            """
            SELECT id, voucher_number, customer_id, order_number, points, status, expires_at FROM holds
            WHERE customer_id = \(customerId) AND status = 'open' AND expires_at <= \(now) ORDER BY id FOR UPDATE
            """
        ).map(HoldRow.init)
    }

    /// Closes a hold: committed (with the points spent), released or timed out.
    package func resolve(_ holdId: Int64, as status: HoldStatus, committedPoints: Int64? = nil) throws {
        try connection.query(
            """
            UPDATE holds SET status = \(status), committed_points = coalesce(\(committedPoints)::bigint, committed_points),
                             resolved_at = \(now)
            WHERE id = \(holdId)
            """)
    }
}
