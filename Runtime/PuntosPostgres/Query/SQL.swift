/// A SQL statement whose interpolated values become bind parameters.
///
///     let sql: SQL = "SELECT number FROM cards WHERE customer_id = \(id) AND status = \(status)"
///     // text: "SELECT number FROM cards WHERE customer_id = $1 AND status = $2", binds: [id, status]
///
/// There is no way to splice a value into the SQL text: every interpolation is a parameter.
/// Scripts of trusted SQL (migrations) go through `PostgresConnection.runScript`, a visible opt-in.
public struct SQL: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var text: String
    public private(set) var binds: [PostgresBind]

    public init(stringLiteral value: StaticString) {
        text = "\(value)"
        binds = []
    }

    public init(stringInterpolation: StringInterpolation) {
        text = stringInterpolation.text
        binds = stringInterpolation.binds
    }

    /// Statement text made by code at run time, with no values in it (an identifier the code itself
    /// generated): the visible opt-in for the rare SQL a literal cannot spell. Values still go in as
    /// parameters, never into this text.
    public init(unsafeText text: String) {
        self.text = text
        binds = []
    }

    public var description: String { text }

    public struct StringInterpolation: StringInterpolationProtocol {
        var text = ""
        var binds: [PostgresBind] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: StaticString) {
            text += "\(literal)"
        }

        /// Any encodable value (or nil) becomes the next `$n`.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            binds.append(value.postgresBind)
            text += "$\(binds.count)"
        }

        public mutating func appendInterpolation(_ value: (some PostgresEncodable)?) {
            binds.append(value?.postgresBind ?? .null)
            text += "$\(binds.count)"
        }
    }
}
