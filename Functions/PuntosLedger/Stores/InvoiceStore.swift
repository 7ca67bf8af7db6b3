package import FoundationEssentials
package import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// An invoice as the `invoices` table keeps it.
package struct InvoiceRow: Sendable {
    package var id: Int64
    package var number: String
    package var customerId: Int64
    package var orderNumber: String?
    package var status: InvoiceStatus
    package var points: Int64
    package var invoicedAt: Date
    package var lines: [StoredLine]

    init(_ row: PostgresRow) throws {
        id = try row.decode("id")
        number = try row.decode("number")
        customerId = try row.decode("customer_id")
        orderNumber = try row.decodeIfPresent("order_number")
        status = try row.decode("status")
        points = try row.decode("points")
        invoicedAt = try row.decode("invoiced_at")
        let text: String = try row.decode("lines")
        lines = try JSONCoding.decoder().decode([StoredLine].self, from: Data(text.utf8))
    }
}

/// A new invoice, as `accrue` records it.
package struct NewInvoice {
    package var number: String
    package var orderNumber: String?
    package var account: LedgerAccount
    package var channel: String
    package var region: String?
    package var invoicedAt: Date
    package var currency: String
    package var status: InvoiceStatus
    package var points: Int64
    package var lines: [StoredLine]
}

/// The `invoices` table of one programme.
package struct InvoiceStore {
    package let connection: PostgresConnection
    package let programmeId: String

    /// Records a new invoice; nil when the programme already has one with this number.
    package func insert(_ invoice: NewInvoice) throws -> Int64? {
        let lines = try JSONText(encoding: invoice.lines)
        return try connection.query(
            """
            INSERT INTO invoices (programme_id, number, order_number, customer_id, card_number, channel, region,
                                  invoiced_at, currency, status, points, lines)
            VALUES (\(programmeId), \(invoice.number), \(invoice.orderNumber), \(invoice.account.customerId),
                    \(invoice.account.cardNumber), \(invoice.channel), \(invoice.region), \(invoice.invoicedAt),
                    \(invoice.currency), \(invoice.status), \(invoice.points), \(lines)::jsonb)
            ON CONFLICT (programme_id, number) DO NOTHING RETURNING id
            """
        ).first?.decode("id")
    }

    /// The invoice's customer, read without a lock so that the account can be locked first.
    package func customerId(number: String) throws -> Int64 {
        guard
            let row = try connection.query(
                "SELECT customer_id FROM invoices WHERE programme_id = \(programmeId) AND number = \(number)"
            ).first
        else {
            throw FunctionError.notFound(.invoiceNotFound, field: "invoice_number", "there is no invoice \(number)")
        }
        return try row.decode("customer_id")
    }

    /// The invoice, locked for a moderation or a return.
    package func lock(number: String) throws -> InvoiceRow {
        guard
            let row = try connection.query(
                """
                SELECT id, number, customer_id, order_number, status, points, invoiced_at, lines::text AS lines FROM invoices
                WHERE programme_id = \(programmeId) AND number = \(number) FOR UPDATE
                """
            ).first
        else {
            throw FunctionError.notFound(.invoiceNotFound, field: "invoice_number", "there is no invoice \(number)")
        }
        return try InvoiceRow(row)
    }

    /// The numbers of an order's invoices (the invoice's order, or one of its lines'), oldest first.
    package func numbers(orderNumber: String) throws -> [String] {
        try connection.query(
            """
            SELECT number FROM invoices
            WHERE programme_id = \(programmeId)
              AND (order_number = \(orderNumber)
                   OR puntos_line_order_numbers(lines) @> jsonb_build_array(\(orderNumber)::text))
            ORDER BY id
            """
        ).map { try $0.decode("number") }
    }

    package func setStatus(_ status: InvoiceStatus, invoiceId: Int64) throws {
        try connection.query("UPDATE invoices SET status = \(status) WHERE id = \(invoiceId)")
    }

    /// Records how much of each line came back.
    package func setLines(_ lines: [StoredLine], invoiceId: Int64) throws {
        let linesJSON = try JSONText(encoding: lines)
        try connection.query("UPDATE invoices SET lines = \(linesJSON)::jsonb WHERE id = \(invoiceId)")
    }
}

extension JSONText {
    /// A value as JSON text, for a `jsonb` column.
    init(encoding value: some Encodable) throws {
        self.init(String(decoding: try JSONCoding.encode(value), as: UTF8.self))
    }
}
