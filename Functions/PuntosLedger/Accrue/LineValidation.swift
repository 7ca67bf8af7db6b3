package import FoundationEssentials
package import PuntosCore
import PuntosRuntime

/// Checks invoice lines (also for forecasts) before anything is written, naming the field.
package enum LineValidation {
    package static let maxAmount: Decimal = 1_000_000_000

    /// The lines, each with its channel settled: its own, else online where it carries an order
    /// number, else `channel` (the invoice's).
    package static func lines(_ lines: [InvoiceLine], channel: String, field: String = "lines") throws -> [InvoiceLine] {
        guard !lines.isEmpty else { throw FunctionError.badInput(.invalidValue, field: field, "\(field) must not be empty") }
        guard lines.count <= 500 else { throw FunctionError.badInput(.invalidValue, field: field, "at most 500 lines") }
        return try lines.enumerated().map { index, line in
            let at = "\(field)[\(index)]"
            let sku = try Validate.text(line.sku, field: "\(at).sku", maxLength: 128)
            guard (1...1_000_000).contains(line.quantity) else {
                throw FunctionError.badInput(.invalidValue, field: "\(at).quantity", "quantity must be 1 to 1000000")
            }
            try money(line.amount, field: "\(at).amount")
            let paid = line.paidWithPoints ?? 0
            try money(paid, field: "\(at).paid_with_points")
            guard paid <= line.amount else {
                throw FunctionError.badInput(
                    .invalidValue, field: "\(at).paid_with_points", "paid_with_points must not exceed amount")
            }
            let order = try Validate.optionalText(line.orderNumber, field: "\(at).order_number", maxLength: 64)
            return InvoiceLine(
                sku: sku, brand: try Validate.optionalText(line.brand, field: "\(at).brand", maxLength: 128),
                category: try Validate.optionalText(line.category, field: "\(at).category", maxLength: 128),
                quantity: line.quantity, amount: line.amount, paidWithPoints: paid, orderNumber: order,
                channel: try Self.channel(line.channel, orderNumber: order, field: "\(at).channel") ?? channel)
        }
    }

    /// A non-negative amount with at most 2 decimals, below a billion.
    package static func money(_ value: Decimal, field: String) throws {
        guard value >= 0 else { throw FunctionError.badInput(.invalidValue, field: field, "\(field) must not be negative") }
        guard value < maxAmount else { throw FunctionError.badInput(.invalidValue, field: field, "\(field) is too large") }
        guard (value * 100).description.allSatisfy({ $0.isNumber }) else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must have at most 2 decimals")
        }
    }

    package static func currency(_ value: String, programme: Programme) throws {
        guard value.count == 3, value.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw FunctionError.badInput(.invalidCurrency, field: "currency", "currency must be an ISO 4217 code such as USD")
        }
        guard value == programme.currency else {
            throw FunctionError.badInput(
                .unknownCurrency, field: "currency",
                "programme \(programme.id) keeps its points in \(programme.currency), not \(value)")
        }
    }

    /// An invoice's channel: as given, else online with an order number, offline without.
    package static func channel(_ value: String?, orderNumber: String?) throws -> String {
        try channel(value, orderNumber: orderNumber, field: "channel") ?? "offline"
    }

    /// A channel as given (online or offline), else online with an order number, else nil.
    private static func channel(_ value: String?, orderNumber: String?, field: String) throws -> String? {
        guard let value else { return orderNumber == nil ? nil : "online" }
        guard value == "online" || value == "offline" else {
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must be online or offline")
        }
        return value
    }

    /// What an invoice's lines say of its channel: theirs when they agree, `mixed` when they differ.
    package static func invoiceChannel(_ lines: [InvoiceLine], default channel: String) -> String {
        let channels = Set(lines.compactMap(\.channel))
        return channels.count > 1 ? "mixed" : channels.first ?? channel
    }
}
