public import FoundationEssentials
import PuntosRuntime

/// A decimal amount as JSON carries it: a number (`79.9`) or a string (`"79.90"`), read exactly.
public struct DecimalInput: Codable, Sendable, Equatable {
    public let value: Decimal

    public init(_ value: Decimal) { self.value = value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let value = Money.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a decimal number such as 79.90")
            }
            self.value = value
        } else {
            self.value = try container.decode(Decimal.self)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Money.text(value))
    }
}

public enum Money {
    /// Digits with an optional sign and fraction, nothing else (no exponent, no spaces, no NaN).
    public static func parse(_ text: String) -> Decimal? {
        let body = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            parts.count == 1 || !parts[1].isEmpty
        else { return nil }
        return Decimal(string: text)
    }

    /// The exact decimal digits, as PostgreSQL reads `numeric`.
    public static func text(_ value: Decimal) -> String { value.description }

    /// A price for people: at least two decimals (`79.9` → `79.90`).
    public static func display(_ text: String) -> String {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return text + ".00" }
        var fraction = String(parts[1])
        while fraction.count > 2, fraction.last == "0" { fraction.removeLast() }
        while fraction.count < 2 { fraction += "0" }
        return "\(parts[0]).\(fraction)"
    }

    /// A price in a feed or subscription: not negative, at most 4 decimals, below 10^14.
    public static func validate(_ value: Decimal, field: String, allowZero: Bool = true) throws -> Decimal {
        guard !value.isNaN, allowZero ? value >= 0 : value > 0 else {
            throw FunctionError.badInput(
                .invalidValue, field: field, "\(field) must be \(allowZero ? "zero or more" : "more than zero")")
        }
        guard value < Decimal(string: "100000000000000")! else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) is too large")
        }
        let fraction = value.description.split(separator: ".").dropFirst().first.map { $0.reversed().drop(while: { $0 == "0" }) }
        guard (fraction?.count ?? 0) <= 4 else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must have at most 4 decimals")
        }
        return value
    }

    /// A currency code: three upper-case letters.
    public static func currency(_ value: String, field: String) throws -> String {
        guard value.count == 3, value.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw FunctionError.badInput(
                .invalidCurrency, field: field, "\(field) must be an ISO 4217 code such as USD, EUR or RUB")
        }
        return value
    }
}
