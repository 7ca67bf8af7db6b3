package import FoundationEssentials
import PuntosRuntime

/// One line of an invoice, the one definition: as an event sends it (`lines[n]` of an invoice or a
/// forecast), as `LineValidation` passes it to the earning rules (with `paidWithPoints` set), and,
/// with what it earned, as an invoice stores it (`StoredLine`).
package struct InvoiceLine: Codable, Sendable, Equatable {
    package var sku: String
    package var brand: String?
    package var category: String?
    package var quantity: Int
    package var amount: Decimal
    /// The part of `amount` paid with points: it earns nothing. Always set once validated.
    package var paidWithPoints: Decimal?
    /// The order this line belongs to (ONe: an online order's number on the lines it bought).
    package var orderNumber: String?
    /// online or offline. Without it, a line with an order number is online, else the invoice's
    /// channel. Always set once validated (`LineValidation.lines`).
    package var channel: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case sku, brand, category, quantity, amount, channel, paidWithPoints = "paid_with_points",
            orderNumber = "order_number"
    }

    package init(
        sku: String, brand: String? = nil, category: String? = nil, quantity: Int, amount: Decimal,
        paidWithPoints: Decimal? = nil, orderNumber: String? = nil, channel: String? = nil
    ) {
        self.sku = sku
        self.brand = brand
        self.category = category
        self.quantity = quantity
        self.amount = amount
        self.paidWithPoints = paidWithPoints
        self.orderNumber = orderNumber
        self.channel = channel
    }

    /// A line of an event: a field it does not know is refused.
    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        try self.init(fields: decoder)
    }

    /// The line's own fields, ignoring others (a stored line also holds what it earned).
    init(fields decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sku = try c.decode(String.self, forKey: .sku)
        brand = try c.decodeIfPresent(String.self, forKey: .brand)
        category = try c.decodeIfPresent(String.self, forKey: .category)
        quantity = try c.decode(Int.self, forKey: .quantity)
        amount = try c.decode(Decimal.self, forKey: .amount)
        paidWithPoints = try c.decodeIfPresent(Decimal.self, forKey: .paidWithPoints)
        orderNumber = try c.decodeIfPresent(String.self, forKey: .orderNumber)
        channel = try c.decodeIfPresent(String.self, forKey: .channel)
    }

    /// The part of the amount that earns points.
    package var earningAmount: Decimal { max(amount - (paidWithPoints ?? 0), 0) }
}

/// An invoice line as stored (`invoices.lines`): the line, what it earned, how much of it came back.
package struct StoredLine: Codable, Sendable, Equatable {
    package var line: InvoiceLine
    package var points: Int64
    package var promotions: [String]
    package var returned: Int

    package init(line: InvoiceLine, earning: LineEarning) {
        self.line = line
        points = earning.points
        promotions = earning.promotions
        returned = 0
    }

    enum CodingKeys: String, CodingKey { case points, promotions, returned }

    package init(from decoder: any Decoder) throws {
        line = try InvoiceLine(fields: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        points = try c.decode(Int64.self, forKey: .points)
        promotions = try c.decode([String].self, forKey: .promotions)
        returned = try c.decode(Int.self, forKey: .returned)
    }

    /// One flat object: the line's fields beside `points`, `promotions` and `returned`.
    package func encode(to encoder: any Encoder) throws {
        try line.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(points, forKey: .points)
        try c.encode(promotions, forKey: .promotions)
        try c.encode(returned, forKey: .returned)
    }
}
