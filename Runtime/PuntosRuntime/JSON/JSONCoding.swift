public import FoundationEssentials
import PuntosPostgres

/// The JSON settings every function shares: snake_case keys are spelled out in `CodingKeys`,
/// dates are RFC 3339 in UTC, output keys are sorted so that answers compare byte for byte.
public enum JSONCoding {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "expected an RFC 3339 timestamp such as 2026-11-22T20:51:37Z")
            }
            return date
        }
        return decoder
    }

    /// Encodes a value, or fails as a bug: every output type of Puntos is encodable.
    public static func encode(_ value: some Encodable) throws(FunctionError) -> Data {
        do { return try encoder().encode(value) } catch {
            throw .bug("could not encode the result: \(error)")
        }
    }
}
