package import FoundationEssentials
import PuntosCore

/// A customer's points: what can be spent, what waits for its return window, what a checkout holds.
package struct BalanceView: Codable, Sendable, Equatable {
    package var cardNumber: String
    package var available: Int64
    package var pending: Int64
    package var held: Int64
    package var currency: String
    /// The money value of the available points.
    package var value: Decimal
    /// The organisation whose pooled points these are, for a member of a pooled organisation.
    package var organisation: String? = nil

    enum CodingKeys: String, CodingKey {
        case available, pending, held, currency, value, organisation, cardNumber = "card_number"
    }
}

/// One line of the statement.
package struct StatementEntry: Codable, Sendable, Equatable {
    package var id: Int64
    /// When it happened in the business: an accrual's invoice date, an expiry's lot expiry, else when recorded.
    package var at: Date
    /// When the ledger recorded it.
    package var recordedAt: Date
    package var kind: String
    package var points: Int64
    package var available: Int64
    package var pending: Int64
    package var held: Int64
    package var invoiceNumber: String?
    package var orderNumber: String?
    package var voucherNumber: String?
    package var reason: String?
    package var source: String
    /// The customer whose account the line is on, when that is a customer merged into this one.
    package var mergedFrom: Int64? = nil

    enum CodingKeys: String, CodingKey {
        case id, at, kind, points, available, pending, held, reason, source
        case recordedAt = "recorded_at", mergedFrom = "merged_from"
        case invoiceNumber = "invoice_number", orderNumber = "order_number", voucherNumber = "voucher_number"
    }
}
