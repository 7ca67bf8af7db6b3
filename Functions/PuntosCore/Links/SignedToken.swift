package import FoundationEssentials
package import PuntosRuntime

/// The tokens in links Puntos sends: `c1.<subscription>.<expires>.<mac>` confirms a guest's
/// subscription until it expires; `u1.<notice>.<mac>` unsubscribes whoever that notice went to.
/// The MAC is HMAC-SHA256 over the purpose and the fields, keyed by `PUNTOS_SIGNING_SECRET`.
package struct SignedToken: Sendable, Equatable {
    package enum Purpose: String, Sendable { case confirm = "c1", unsubscribe = "u1" }

    package let purpose: Purpose
    package let id: Int64
    /// Seconds since 1970 after which a confirm token is refused; nil for unsubscribe tokens.
    package let expires: Int64?

    package init(purpose: Purpose, id: Int64, expires: Int64? = nil) {
        self.purpose = purpose
        self.id = id
        self.expires = expires
    }

    private var signedText: String {
        [purpose.rawValue, String(id)].joined(separator: ".") + (expires.map { ".\($0)" } ?? "")
    }

    package func encoded(secret: String) -> String {
        let mac = HMACSHA256.authenticationCode(for: Data(signedText.utf8), key: Data(secret.utf8)).prefix(18)
        return signedText + "." + Data(mac).base64URLEncoded
    }

    package enum Problem: Error, Equatable { case malformed, badSignature, expired }

    /// The token's fields if it is well formed, signed with `secret` and (for confirm) not expired.
    package static func verify(_ text: String, purpose: Purpose, secret: String, now: Date) -> Result<SignedToken, Problem> {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.first == purpose.rawValue, parts.count == (purpose == .confirm ? 4 : 3),
            let id = Int64(parts[1]), id > 0
        else { return .failure(.malformed) }
        let expires = purpose == .confirm ? Int64(parts[2]) : nil
        if purpose == .confirm, expires == nil { return .failure(.malformed) }
        let token = SignedToken(purpose: purpose, id: id, expires: expires)
        guard let mac = Data(base64URLEncoded: parts[parts.count - 1]) else { return .failure(.malformed) }
        let expected = HMACSHA256.authenticationCode(for: Data(token.signedText.utf8), key: Data(secret.utf8)).prefix(18)
        guard mac.count == expected.count, constantTimeEqual(Array(mac), Array(expected)) else { return .failure(.badSignature) }
        if let expires, Double(expires) < now.timeIntervalSince1970 { return .failure(.expired) }
        return .success(token)
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0 && a.count == b.count
    }
}
