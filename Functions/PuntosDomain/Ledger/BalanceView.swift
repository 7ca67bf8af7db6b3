import FoundationEssentials

/// A customer's points: what can be spent, what waits for its return window, what a checkout holds.
public struct BalanceView: Codable, Sendable, Equatable {
    public var cardNumber: String
    public var available: Int64
    public var pending: Int64
    public var held: Int64
    public var currency: String
    /// The money value of the available points.
    public var value: Decimal

    enum CodingKeys: String, CodingKey {
        case available, pending, held, currency, value, cardNumber = "card_number"
    }
}

/// One line of the statement.
public struct StatementEntry: Codable, Sendable, Equatable {
    public var id: Int64
    public var at: Date
    public var kind: String
    public var points: Int64
    public var available: Int64
    public var pending: Int64
    public var held: Int64
    public var invoiceNumber: String?
    public var orderNumber: String?
    public var voucherNumber: String?
    public var reason: String?
    public var source: String

    enum CodingKeys: String, CodingKey {
        case id, at, kind, points, available, pending, held, reason, source
        case invoiceNumber = "invoice_number", orderNumber = "order_number", voucherNumber = "voucher_number"
    }
}
