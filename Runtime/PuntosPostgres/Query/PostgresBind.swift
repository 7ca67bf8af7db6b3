/// One bind parameter in PostgreSQL's text format, or NULL.
public enum PostgresBind: Sendable, Equatable {
    case null
    case text(String)
}

/// A Swift value that can be sent as a bind parameter.
public protocol PostgresEncodable: Sendable {
    var postgresBind: PostgresBind { get }
}

extension String: PostgresEncodable {
    public var postgresBind: PostgresBind { .text(self) }
}

extension Substring: PostgresEncodable {
    public var postgresBind: PostgresBind { .text(String(self)) }
}

extension Int: PostgresEncodable {
    public var postgresBind: PostgresBind { .text(String(self)) }
}

extension Int64: PostgresEncodable {
    public var postgresBind: PostgresBind { .text(String(self)) }
}

extension Int32: PostgresEncodable {
    public var postgresBind: PostgresBind { .text(String(self)) }
}

extension Bool: PostgresEncodable {
    public var postgresBind: PostgresBind { .text(self ? "t" : "f") }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresBind: PostgresBind { self?.postgresBind ?? .null }
}

/// A text array (`text[]`), for `= ANY($1)` and `unnest($1)`.
extension Array: PostgresEncodable where Element: PostgresEncodable {
    public var postgresBind: PostgresBind {
        var literal = "{"
        for (index, element) in enumerated() {
            if index > 0 { literal += "," }
            switch element.postgresBind {
            case .null:
                literal += "NULL"
            case .text(let value):
                literal += "\""
                for character in value.unicodeScalars {
                    if character == "\"" || character == "\\" { literal += "\\" }
                    literal.unicodeScalars.append(character)
                }
                literal += "\""
            }
        }
        return .text(literal + "}")
    }
}

/// A JSON document sent as text; cast it in SQL (`$1::jsonb`).
public struct JSONText: PostgresEncodable, Sendable, Equatable {
    public let text: String
    public init(_ text: String) { self.text = text }
    public var postgresBind: PostgresBind { .text(text) }
}
