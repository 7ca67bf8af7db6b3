import PuntosCore
import PuntosRuntime

/// Where a payout goes: the provider's token for a card (`tok_...`), never the card's number. Puntos
/// does not take card numbers: a destination holding 13 to 19 digits (spaces or dashes between them
/// allowed) that pass the Luhn check is refused as one.
package enum PayoutDestination {
    package static let field = "destination"

    package static func validate(_ value: String) throws -> String {
        if containsCardNumber(value) {
            throw FunctionError.badInput(
                .cardNumberNotAllowed, field: field,
                "destination looks like a card number: give the payout provider's token for the card instead")
        }
        let allowed = value.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
        guard allowed, (8...128).contains(value.utf8.count) else {
            throw FunctionError.badInput(
                .invalidValue, field: field, "destination must be the provider's card token: 8 to 128 of A-Z a-z 0-9 _ : . -")
        }
        return value
    }

    /// Whether any run of digits in `text` (spaces and dashes inside it ignored) is 13 to 19 digits
    /// long and passes the Luhn check, as every payment card number does.
    package static func containsCardNumber(_ text: String) -> Bool {
        var run: [Int] = []
        var pendingSeparator = false
        for byte in text.utf8 {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                run.append(Int(byte - UInt8(ascii: "0")))
                pendingSeparator = false
            } else if (byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-")) && !run.isEmpty && !pendingSeparator {
                pendingSeparator = true
            } else {
                if isCardNumber(run) { return true }
                run = []
                pendingSeparator = false
            }
        }
        return isCardNumber(run)
    }

    static func isCardNumber(_ digits: [Int]) -> Bool {
        guard (13...19).contains(digits.count) else { return false }
        var sum = 0
        for (index, digit) in digits.reversed().enumerated() {
            let value = index % 2 == 1 ? digit * 2 : digit
            sum += value > 9 ? value - 9 : value
        }
        return sum % 10 == 0
    }

    /// The token as a statement shows it: its last four characters.
    package static func masked(_ destination: String) -> String { "…" + String(destination.suffix(4)) }

    /// `text` with the token shown masked wherever it quotes it: the reasons an administrator or the
    /// provider gives go into append-only records (ledger entries, payout events) an erasure of the
    /// member cannot change, so the token never enters them.
    package static func masking(_ destination: String, in text: String?) -> String? {
        text.map { $0.replacing(destination, with: masked(destination)) }
    }
}
