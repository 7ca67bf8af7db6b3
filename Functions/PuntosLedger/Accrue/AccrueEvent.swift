package import FoundationEssentials
import PuntosCore
package import PuntosRuntime

/// Every event `accrue` understands, told apart by `kind`.
package enum AccrueEvent: KindedEvent {
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
    /// A customer did something the programme rewards (Actions/Accrue+Action.swift).
    case action(Action)

    package static let kindTable = EventKinds<AccrueEvent>(
        "an accrue event",
        .kind("invoice", Invoice.CodingKeys.self) { .invoice(try Invoice(from: $0)) },
        .kind("approve", Moderation.CodingKeys.self) { .approve(try Moderation(from: $0)) },
        .kind("reject", Moderation.CodingKeys.self) { .reject(try Moderation(from: $0)) },
        .kind("return", Return.CodingKeys.self) { .return(try Return(from: $0)) },
        .kind("cancel", Cancel.CodingKeys.self) { .cancel(try Cancel(from: $0)) },
        .kind("adjust", Adjust.CodingKeys.self) { .adjust(try Adjust(from: $0)) },
        .kind("action", Action.CodingKeys.self) { .action(try Action(from: $0)) })

    package init(from decoder: any Decoder) throws { self = try Self.kindTable.decode(decoder) }

    package struct Invoice: Codable, Sendable, Equatable {
        package var kind = "invoice"
        package var programme: String?
        package var idempotencyKey: String?
        package var cardNumber: String?
        package var externalId: String?
        package var number: String
        package var orderNumber: String?
        /// online or offline; without it, an invoice with an order number is online.
        package var channel: String?
        package var region: String?
        package var date: Date
        package var currency: String
        package var lines: [InvoiceLine]
        /// A claim (a receipt a salesperson submits) waits for approve or reject.
        package var moderation: Bool?
        /// Another loyalty programme applied to the order (SberSpasibo): ours may be excluded.
        package var otherProgramme: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, number, channel, region, date, currency, lines, moderation
            case idempotencyKey = "idempotency_key", cardNumber = "card_number", externalId = "external_id",
                orderNumber = "order_number", otherProgramme = "other_programme"
        }
    }

    package struct Moderation: Codable, Sendable, Equatable {
        package var kind: String
        package var programme: String?
        package var idempotencyKey: String?
        package var invoiceNumber: String
        package var reason: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, reason, idempotencyKey = "idempotency_key", invoiceNumber = "invoice_number"
        }
    }

    package struct ReturnLine: Codable, Sendable, Equatable {
        /// The line's position in the invoice, from 0.
        package var line: Int
        package var quantity: Int

        enum CodingKeys: String, CodingKey, CaseIterable { case line, quantity }

        package init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            line = try c.decode(Int.self, forKey: .line)
            quantity = try c.decode(Int.self, forKey: .quantity)
        }
    }

    package struct Return: Codable, Sendable, Equatable {
        package var kind = "return"
        package var programme: String?
        /// The return document's number: a second return under it returns the first answer.
        package var returnNumber: String
        package var invoiceNumber: String
        /// Lines to return; without it, everything not yet returned.
        package var lines: [ReturnLine]?
        package var reason: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, lines, reason, returnNumber = "return_number", invoiceNumber = "invoice_number"
        }
    }

    package struct Cancel: Codable, Sendable, Equatable {
        package var kind = "cancel"
        package var programme: String?
        package var idempotencyKey: String?
        package var orderNumber: String
        package var reason: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, reason, idempotencyKey = "idempotency_key", orderNumber = "order_number"
        }
    }

    package struct Adjust: Codable, Sendable, Equatable {
        package var kind = "adjust"
        package var programme: String?
        package var idempotencyKey: String
        package var cardNumber: String?
        package var externalId: String?
        package var points: Int64
        package var reason: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, points, reason, idempotencyKey = "idempotency_key", cardNumber = "card_number",
                externalId = "external_id"
        }
    }
}

/// What `accrue` answers.
package struct AccrueResult: Codable, Sendable, Equatable {
    package var invoiceNumber: String?
    package var orderNumber: String?
    /// accrued, pending_moderation, rejected, not_eligible, returned, cancelled, adjusted, capped (an action over its cap)
    package var status: String
    /// Points this event moved: earned (positive) or taken back (negative).
    package var points: Int64
    package var reason: String?
    package var lines: [LineEarning]?
    package var uncollected: Int64?
    package var balance: BalanceView

    enum CodingKeys: String, CodingKey {
        case status, points, reason, lines, uncollected, balance
        case invoiceNumber = "invoice_number", orderNumber = "order_number"
    }
}
