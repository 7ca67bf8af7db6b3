/// JSON string literals written by hand, where an encoder per value would cost more than the value:
/// log lines and text templates that are JSON (an SMS provider's body).
public enum JSONString {
    /// The inside of a JSON string literal: quotes, backslashes and control characters escaped.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                escaped += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// A whole JSON string literal, quotes included.
    public static func quoted(_ text: String) -> String { "\"" + escape(text) + "\"" }
}
