import FoundationEssentials
import PuntosRuntime

/// A webhook signature header, parsed into its one canonical form.
///
///     X-Puntos-Signature: v1=<64 hex digits>     HMAC-SHA256 over timestamp.METHOD.target.body
///     X-Puntos-Signature: v2=<64 hex digits>     HMAC-SHA256 over timestamp.METHOD.target.sha256hex(body)
///
/// The hex digits may be upper or lower case; either way they are parsed into the 32 MAC bytes, and
/// everything downstream (comparison, the replay record) sees only those bytes, so re-encoding a
/// captured signature does not make a new one. Anything else is refused: another prefix, fewer or
/// more than 64 digits, a non-hex character, whitespace, a second value.
public struct Signature: Sendable, Hashable {
    public enum Scheme: String, Sendable, Hashable, CaseIterable {
        /// The body itself is signed (a verifier that sees the body: `puntos up`, a function).
        case v1
        /// The body's SHA-256 is signed and carried in `X-Puntos-Content-SHA256` (callers behind an
        /// AWS API Gateway, whose Lambda authorizer cannot see the body).
        case v2
    }

    /// The number of bytes of an HMAC-SHA256.
    public static let macLength = 32

    public let scheme: Scheme
    /// The 32 bytes of the HMAC-SHA256.
    public let mac: [UInt8]

    public init(scheme: Scheme, mac: [UInt8]) {
        precondition(mac.count == Self.macLength, "an HMAC-SHA256 is 32 bytes")
        self.scheme = scheme
        self.mac = mac
    }

    /// Parses `v1=<hex>` or `v2=<hex>`; nil for anything that is not exactly that.
    public init?(parsing header: String) {
        let utf8 = Array(header.utf8)
        guard utf8.count == 3 + 2 * Self.macLength, utf8[0] == UInt8(ascii: "v"), utf8[2] == UInt8(ascii: "=") else {
            return nil
        }
        let scheme: Scheme
        switch utf8[1] {
        case UInt8(ascii: "1"): scheme = .v1
        case UInt8(ascii: "2"): scheme = .v2
        default: return nil
        }
        guard let mac = Hex.decode(utf8[3...]), mac.count == Self.macLength else { return nil }
        self.init(scheme: scheme, mac: mac)
    }

    /// The canonical header value: the scheme and lowercase hex.
    public var headerValue: String { scheme.rawValue + "=" + Data(mac).hexString }
}

/// Hexadecimal text read strictly: an even number of `0-9`, `a-f`, `A-F`, nothing else (written
/// with PuntosRuntime's `Data.hexString`).
public enum Hex {
    public static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count / 2)
        var high: UInt8?
        for character in text {
            guard let nibble = Self.nibble(character) else { return nil }
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }

    public static func decode(_ text: String) -> [UInt8]? { decode(Array(text.utf8)) }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
