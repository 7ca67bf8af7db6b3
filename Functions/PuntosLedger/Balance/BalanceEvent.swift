package import FoundationEssentials
import PuntosCore
package import PuntosRuntime

/// Every event `balance` understands, told apart by `kind`. None of them writes anything.
package enum BalanceEvent: KindedEvent {
    /// Available, pending and held points and their money value.
    case balance(Card)
    /// The entries, newest first, a page at a time.
    case statement(Statement)
    /// The points a cart or a product would earn, by the same rules as `accrue`.
    case forecast(Forecast)
    /// What the programme's unspent points are worth, as of a moment (Liability.swift).
    case liability(LiabilityEvent)

    package static let kindTable = EventKinds<BalanceEvent>(
        "a balance event",
        .kind("balance", Card.CodingKeys.self) { .balance(try Card(from: $0)) },
        .kind("statement", Statement.CodingKeys.self) { .statement(try Statement(from: $0)) },
        .kind("forecast", Forecast.CodingKeys.self) { .forecast(try Forecast(from: $0)) },
        .kind("liability", LiabilityEvent.CodingKeys.self) { .liability(try LiabilityEvent(from: $0)) })

    package init(from decoder: any Decoder) throws { self = try Self.kindTable.decode(decoder) }

    package struct Card: Codable, Sendable, Equatable {
        package var kind = "balance"
        package var programme: String?
        package var cardNumber: String?
        package var externalId: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, cardNumber = "card_number", externalId = "external_id"
        }
    }

    package struct Statement: Codable, Sendable, Equatable {
        package var kind = "statement"
        package var programme: String?
        package var cardNumber: String?
        package var externalId: String?
        /// Entries per page: 1 to 200, 50 without it.
        package var limit: Int?
        /// The `next_cursor` of the previous page.
        package var cursor: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, limit, cursor, cardNumber = "card_number", externalId = "external_id"
        }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? "statement"
            programme = try c.decodeIfPresent(String.self, forKey: .programme)
            cardNumber = try c.decodeIfPresent(String.self, forKey: .cardNumber)
            externalId = try c.decodeIfPresent(String.self, forKey: .externalId)
            cursor = try c.decodeIfPresent(String.self, forKey: .cursor)
            // `GET .../statement?limit=20`: a query parameter arrives as text.
            if let text = try? c.decodeIfPresent(String.self, forKey: .limit) {
                guard let value = Int(text) else {
                    throw FunctionError.badInput(.wrongType, field: "limit", "limit must be an integer")
                }
                limit = value
            } else {
                limit = try c.decodeIfPresent(Int.self, forKey: .limit)
            }
        }
    }

    package struct Forecast: Codable, Sendable, Equatable {
        package var kind = "forecast"
        package var programme: String?
        /// Optional: the customer's segment counts when given.
        package var cardNumber: String?
        package var channel: String?
        package var date: Date?
        package var lines: [InvoiceLine]
        /// The order, and another programme applied to it: an excluded order earns nothing.
        package var orderNumber: String?
        package var otherProgramme: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, channel, date, lines, cardNumber = "card_number", orderNumber = "order_number",
                otherProgramme = "other_programme"
        }
    }
}

/// What `balance` answers: the balance, plus a statement page or a forecast when asked.
package struct BalanceResult: Codable, Sendable, Equatable {
    package var balance: BalanceView?
    package var entries: [StatementEntry]?
    package var nextCursor: String?
    package var forecast: Forecast?
    package var liability: LiabilityReport?
    /// The member's tier and progress to the next (kind `balance`, when the programme has tiers).
    package var tier: TierStatus?

    package struct Forecast: Codable, Sendable, Equatable {
        package var points: Int64
        package var value: Decimal
        package var lines: [LineEarning]
        /// Why nothing is earned: `excluded_by_other_programme`.
        package var reason: String? = nil
    }

    enum CodingKeys: String, CodingKey {
        case balance, entries, forecast, liability, tier, nextCursor = "next_cursor"
    }
}
