import FoundationEssentials
import PuntosRuntime

/// The bytes a caller signs.
///
/// - v1: `<timestamp>.<METHOD>.<path?query>.<body>`
/// - v2: `<timestamp>.<METHOD>.<path?query>.<lowercase hex SHA-256 of the body>`
///
/// `target` is the request's path and query exactly as sent (`/cards?email=a%40b.c`), `METHOD` in
/// upper case as sent, `timestamp` the decimal Unix seconds of `X-Puntos-Timestamp`.
public enum SignedMessage {
    public static func v1(timestamp: String, method: String, target: String, body: some Collection<UInt8>) -> [UInt8] {
        Array("\(timestamp).\(method).\(target).".utf8) + Array(body)
    }

    public static func v2(timestamp: String, method: String, target: String, bodyDigest: [UInt8]) -> [UInt8] {
        Array("\(timestamp).\(method).\(target).\(Data(bodyDigest).hexString)".utf8)
    }

    /// The lowercase hex SHA-256 of a body, as `X-Puntos-Content-SHA256` carries it.
    public static func contentDigest(of body: some Collection<UInt8>) -> String {
        SHA256Digest.hash(Array(body)).hexString
    }

    /// The signature header a caller with `secret` sends (used by tests, clients and the docs' examples).
    public static func sign(
        scheme: Signature.Scheme, secret: some Collection<UInt8>, timestamp: String, method: String, target: String,
        body: some Collection<UInt8>
    ) -> Signature {
        let message =
            switch scheme {
            case .v1: v1(timestamp: timestamp, method: method, target: target, body: body)
            case .v2: v2(timestamp: timestamp, method: method, target: target, bodyDigest: Array(SHA256Digest.hash(Array(body))))
            }
        return Signature(scheme: scheme, mac: Array(HMACSHA256.authenticationCode(for: message, key: Array(secret))))
    }
}
