import FoundationEssentials
import PuntosRuntime

/// Every event `balance` understands, told apart by `kind`. None of them writes anything.
public enum BalanceEvent: Sendable, Decodable {
    /// Available, pending and held points and their money value.
    case balance(Card)
    /// The entries, newest first, a page at a time.
    case statement(Statement)
    /// The points a cart or a product would earn, by the same rules as `accrue`.
    case forecast(Forecast)

    public static let kinds = ["balance", "statement", "forecast"]

    private enum KindKey: String, CodingKey { case kind }

    public init(from decoder: any Decoder) throws {
        let kind = try decoder.container(keyedBy: KindKey.self).decode(String.self, forKey: .kind)
        switch kind {
        case "balance":
            try decoder.rejectUnknownKeys(Card.CodingKeys.self)
            self = .balance(try Card(from: decoder))
        case "statement":
            try decoder.rejectUnknownKeys(Statement.CodingKeys.self)
            self = .statement(try Statement(from: decoder))
        case "forecast":
            try decoder.rejectUnknownKeys(Forecast.CodingKeys.self)
            self = .forecast(try Forecast(from: decoder))
        default:
            throw FunctionError.badInput(
                "unknown_kind", field: "kind",
                "kind \"\(kind)\" is not a balance event; expected one of: \(Self.kinds.joined(separator: ", "))")
        }
    }

    public struct Card: Codable, Sendable, Equatable {
        public var kind = "balance"
        public var programme: String?
        public var cardNumber: String?
        public var externalId: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, cardNumber = "card_number", externalId = "external_id"
        }
    }

    public struct Statement: Codable, Sendable, Equatable {
        public var kind = "statement"
        public var programme: String?
        public var cardNumber: String?
        public var externalId: String?
        /// Entries per page: 1 to 200, 50 without it.
        public var limit: Int?
        /// The `next_cursor` of the previous page.
        public var cursor: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, limit, cursor, cardNumber = "card_number", externalId = "external_id"
        }
    }

    public struct Forecast: Codable, Sendable, Equatable {
        public var kind = "forecast"
        public var programme: String?
        /// Optional: the customer's segment counts when given.
        public var cardNumber: String?
        public var channel: String?
        public var date: Date?
        public var lines: [AccrueEvent.Line]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, channel, date, lines, cardNumber = "card_number"
        }
    }
}

/// What `balance` answers: the balance, plus a statement page or a forecast when asked.
public struct BalanceResult: Codable, Sendable, Equatable {
    public var balance: BalanceView?
    public var entries: [StatementEntry]?
    public var nextCursor: String?
    public var forecast: Forecast?

    public struct Forecast: Codable, Sendable, Equatable {
        public var points: Int64
        public var value: Decimal
        public var lines: [LineEarning]
    }

    enum CodingKeys: String, CodingKey {
        case balance, entries, forecast, nextCursor = "next_cursor"
    }
}
