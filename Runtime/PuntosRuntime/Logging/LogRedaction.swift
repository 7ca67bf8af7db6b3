/// The one rule for what never reaches a log: secrets, e-mail addresses and phone numbers are
/// replaced; card numbers keep only their last four digits.
public enum LogRedaction {
    public static func redact(key: String, value: String) -> String {
        let name = key.lowercased()
        if name.contains("card") && name.contains("number") || name == "card" {
            return maskCardNumber(value)
        }
        for word in ["email", "e-mail", "phone", "password", "secret", "token", "database_url", "authorization", "signature"]
        where name.contains(word) {
            return "[redacted]"
        }
        return value
    }

    /// `778912345678901` → `***********8901`.
    public static func maskCardNumber(_ number: String) -> String {
        guard number.count > 4 else { return String(repeating: "*", count: number.count) }
        return String(repeating: "*", count: number.count - 4) + number.suffix(4)
    }
}
