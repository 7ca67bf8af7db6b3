import FoundationEssentials
import PuntosRuntime

/// Every event `accrue` understands, told apart by `kind`.
public enum AccrueEvent: Sendable, Decodable {
    /// An invoice earns points by the programme's rules (or waits for moderation).
    case invoice(Invoice)
    /// Approve a claim waiting for moderation: it accrues now.
    case approve(Moderation)
    /// Reject a claim waiting for moderation: it never accrues.
    case reject(Moderation)
    /// Return an invoice, whole or some lines: its earned points come back.
    case `return`(Return)
    /// Cancel an order: its invoices are returned and the points spent on it come back to their lots.
    case cancel(Cancel)
    /// A manual correction with a reason.
    case adjust(Adjust)

    public static let kinds = ["invoice", "approve", "reject", "return", "cancel", "adjust"]

    private enum KindKey: String, CodingKey { case kind }

    public init(from decoder: any Decoder) throws {
        let kind = try decoder.container(keyedBy: KindKey.self).decode(String.self, forKey: .kind)
        switch kind {
        case "invoice":
            try decoder.rejectUnknownKeys(Invoice.CodingKeys.self)
            self = .invoice(try Invoice(from: decoder))
        case "approve", "reject":
            try decoder.rejectUnknownKeys(Moderation.CodingKeys.self)
            let moderation = try Moderation(from: decoder)
            self = kind == "approve" ? .approve(moderation) : .reject(moderation)
        case "return":
            try decoder.rejectUnknownKeys(Return.CodingKeys.self)
            self = .return(try Return(from: decoder))
        case "cancel":
            try decoder.rejectUnknownKeys(Cancel.CodingKeys.self)
            self = .cancel(try Cancel(from: decoder))
        case "adjust":
            try decoder.rejectUnknownKeys(Adjust.CodingKeys.self)
            self = .adjust(try Adjust(from: decoder))
        default:
            throw FunctionError.badInput(
                "unknown_kind", field: "kind",
                "kind \"\(kind)\" is not an accrue event; expected one of: \(Self.kinds.joined(separator: ", "))")
        }
    }

    public struct Line: Codable, Sendable, Equatable {
        public var sku: String
        public var brand: String?
        public var category: String?
        public var quantity: Int
        public var amount: Decimal
        /// The part of `amount` paid with points: it earns nothing.
        public var paidWithPoints: Decimal?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case sku, brand, category, quantity, amount, paidWithPoints = "paid_with_points"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            sku = try c.decode(String.self, forKey: .sku)
            brand = try c.decodeIfPresent(String.self, forKey: .brand)
            category = try c.decodeIfPresent(String.self, forKey: .category)
            quantity = try c.decode(Int.self, forKey: .quantity)
            amount = try c.decode(Decimal.self, forKey: .amount)
            paidWithPoints = try c.decodeIfPresent(Decimal.self, forKey: .paidWithPoints)
        }

        public init(
            sku: String, brand: String? = nil, category: String? = nil, quantity: Int, amount: Decimal,
            paidWithPoints: Decimal? = nil
        ) {
            self.sku = sku
            self.brand = brand
            self.category = category
            self.quantity = quantity
            self.amount = amount
            self.paidWithPoints = paidWithPoints
        }
    }

    public struct Invoice: Codable, Sendable, Equatable {
        public var kind = "invoice"
        public var programme: String?
        public var idempotencyKey: String?
        public var cardNumber: String?
        public var externalId: String?
        public var number: String
        public var orderNumber: String?
        /// online or offline; without it, an invoice with an order number is online.
        public var channel: String?
        public var region: String?
        public var date: Date
        public var currency: String
        public var lines: [Line]
        /// A claim (a receipt a salesperson submits) waits for approve or reject.
        public var moderation: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, number, channel, region, date, currency, lines, moderation
            case idempotencyKey = "idempotency_key", cardNumber = "card_number", externalId = "external_id",
                orderNumber = "order_number"
        }
    }

    public struct Moderation: Codable, Sendable, Equatable {
        public var kind: String
        public var programme: String?
        public var idempotencyKey: String?
        public var invoiceNumber: String
        public var reason: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, reason, idempotencyKey = "idempotency_key", invoiceNumber = "invoice_number"
        }
    }

    public struct ReturnLine: Codable, Sendable, Equatable {
        /// The line's position in the invoice, from 0.
        public var line: Int
        public var quantity: Int

        enum CodingKeys: String, CodingKey, CaseIterable { case line, quantity }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            line = try c.decode(Int.self, forKey: .line)
            quantity = try c.decode(Int.self, forKey: .quantity)
        }
    }

    public struct Return: Codable, Sendable, Equatable {
        public var kind = "return"
        public var programme: String?
        /// The return document's number: a second return under it returns the first answer.
        public var returnNumber: String
        public var invoiceNumber: String
        /// Lines to return; without it, everything not yet returned.
        public var lines: [ReturnLine]?
        public var reason: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, lines, reason, returnNumber = "return_number", invoiceNumber = "invoice_number"
        }
    }

    public struct Cancel: Codable, Sendable, Equatable {
        public var kind = "cancel"
        public var programme: String?
        public var idempotencyKey: String?
        public var orderNumber: String
        public var reason: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, reason, idempotencyKey = "idempotency_key", orderNumber = "order_number"
        }
    }

    public struct Adjust: Codable, Sendable, Equatable {
        public var kind = "adjust"
        public var programme: String?
        public var idempotencyKey: String
        public var cardNumber: String?
        public var externalId: String?
        public var points: Int64
        public var reason: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, points, reason, idempotencyKey = "idempotency_key", cardNumber = "card_number",
                externalId = "external_id"
        }
    }
}

/// What `accrue` answers.
public struct AccrueResult: Codable, Sendable, Equatable {
    public var invoiceNumber: String?
    public var orderNumber: String?
    /// accrued, pending_moderation, rejected, not_eligible, returned, cancelled, adjusted
    public var status: String
    /// Points this event moved: earned (positive) or taken back (negative).
    public var points: Int64
    public var reason: String?
    public var lines: [LineEarning]?
    public var uncollected: Int64?
    public var balance: BalanceView

    enum CodingKeys: String, CodingKey {
        case status, points, reason, lines, uncollected, balance
        case invoiceNumber = "invoice_number", orderNumber = "order_number"
    }
}
