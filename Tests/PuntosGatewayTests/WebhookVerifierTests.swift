import Foundation
import PuntosRuntime
import PuntosWebhooks
import Testing

/// The canonical signature, the signed messages, the window, v1 and v2: every forgery refused.
@Suite struct WebhookVerifierTests {
    static let now = Date(timeIntervalSince1970: 1_763_840_000)
    static let t = "1763840000"
    static let verifier = WebhookVerifier(specification: "pos=s3cret, erp=other")
    static let body = Array(#"{"kind":"redeem","points":500}"#.utf8)

    static func request(
        caller: String? = "pos", timestamp: String? = t, signature: String?, digest: String? = nil,
        method: String = "POST", target: String = "/redemptions", body: [UInt8]? = body
    ) -> SignedRequest {
        SignedRequest(
            caller: caller, timestamp: timestamp, signature: signature, contentSHA256: digest, method: method,
            target: target, body: body)
    }

    static func sign(
        _ scheme: Signature.Scheme, secret: String = "s3cret", timestamp: String = t, method: String = "POST",
        target: String = "/redemptions", body: [UInt8] = body
    ) -> String {
        SignedMessage.sign(
            scheme: scheme, secret: Array(secret.utf8), timestamp: timestamp, method: method, target: target, body: body
        ).headerValue
    }

    @Test func theCanonicalFormIsExactly64HexDigits() {
        let hex = String(repeating: "ab", count: 32)
        #expect(Signature(parsing: "v1=" + hex)?.mac == [UInt8](repeating: 0xab, count: 32))
        #expect(Signature(parsing: "v1=" + hex.uppercased()) == Signature(parsing: "v1=" + hex))
        #expect(Signature(parsing: "v2=" + hex)?.scheme == .v2)
        let short = String(hex.dropLast()), tail = String(hex.dropLast(2))
        var bad: [String] = ["", "v1=", "v1=" + short, "v1=" + hex + "a", "v1=" + hex + "ab", "v1= " + short]
        bad += ["V1=" + hex, "v3=" + hex, "sha256=" + hex, " v1=" + hex, "v1=" + hex + " ", "v1:" + hex]
        bad += ["v1=" + tail + "zz", "v1=" + tail + "+1", "v1=" + tail + "é", "v1=" + hex + ",v1=" + hex, "v1=0x" + tail]
        for text in bad {
            #expect(Signature(parsing: text) == nil, "accepted \(text)")
        }
        #expect(Signature(parsing: "v1=" + hex.uppercased())?.headerValue == "v1=" + hex)
    }

    @Test func v1SignsTheBody() {
        let signature = Self.sign(.v1)
        guard case .success(let verified) = Self.verifier.verify(Self.request(signature: signature), now: Self.now) else {
            Issue.record("a good v1 signature was refused")
            return
        }
        #expect(verified.caller == "pos")
        #expect(verified.signedAt == 1_763_840_000)
        #expect(verified.expiresAt == 1_763_840_000 + 2 * WebhookVerifier.window)
        #expect(verified.signature.mac.count == 32)
        // The message is timestamp.METHOD.target.body, as the README's openssl example computes it.
        let message = Array("\(Self.t).POST./redemptions.".utf8) + Self.body
        let expected = HMACSHA256.authenticationCode(for: message, key: Array("s3cret".utf8))
        #expect(verified.signature.mac == Array(expected))
        // Without the body a v1 signature cannot be checked.
        #expect(Self.verifier.verify(Self.request(signature: signature, body: nil), now: Self.now) == .failure(.bodyRequired))
    }

    @Test func v2SignsTheDigestAndChecksItAgainstTheBodyWhenItHasOne() {
        let digest = SignedMessage.contentDigest(of: Self.body)
        let signature = Self.sign(.v2)
        let message = Array("\(Self.t).POST./redemptions.\(digest)".utf8)
        #expect(
            Signature(parsing: signature)?.mac == Array(HMACSHA256.authenticationCode(for: message, key: Array("s3cret".utf8))))
        // With the body (puntos up, a function) and without it (the AWS authorizer).
        #expect(Self.isSuccess(Self.verifier.verify(Self.request(signature: signature, digest: digest), now: Self.now)))
        #expect(
            Self.isSuccess(Self.verifier.verify(Self.request(signature: signature, digest: digest, body: nil), now: Self.now)))
        #expect(
            Self.isSuccess(Self.verifier.verify(Self.request(signature: signature, digest: digest.uppercased()), now: Self.now)))
        // The digest header must be the body's, and must be there.
        let other = SignedMessage.contentDigest(of: Array("{}".utf8))
        #expect(
            Self.verifier.verify(Self.request(signature: signature, digest: other), now: Self.now)
                == .failure(.contentDigestMismatch))
        #expect(Self.verifier.verify(Self.request(signature: signature), now: Self.now) == .failure(.contentDigestMissing))
        #expect(
            Self.verifier.verify(Self.request(signature: signature, digest: String(digest.dropLast())), now: Self.now)
                == .failure(.contentDigestMissing))
        // Without the body, a forged digest header gets a wrong signature.
        #expect(
            Self.verifier.verify(Self.request(signature: signature, digest: other, body: nil), now: Self.now)
                == .failure(.wrongSignature))
    }

    @Test func theWindowIsFiveMinutesEitherWay() {
        for (offset, fresh) in [(-300, true), (300, true), (-301, false), (301, false), (-86_400, false)] {
            let timestamp = String(1_763_840_000 + offset)
            let result = Self.verifier.verify(
                Self.request(timestamp: timestamp, signature: Self.sign(.v1, timestamp: timestamp)), now: Self.now)
            #expect(Self.isSuccess(result) == fresh, "offset \(offset)")
            if !fresh { #expect(result == .failure(.stale)) }
        }
        for bad in ["", "+1763840000", " 1763840000", "1763840000 ", "1763840000.0", "1.76384e9", "-1", "0x6921", "١٧٦"] {
            #expect(
                Self.verifier.verify(Self.request(timestamp: bad, signature: Self.sign(.v1, timestamp: bad)), now: Self.now)
                    == .failure(.malformedTimestamp), "accepted timestamp \(bad)")
        }
    }

    /// Every way of forging or bending a captured request: each one refused.
    @Test func noForgeryIsAccepted() {
        let good = Self.sign(.v1)
        let hex = String(good.dropFirst(3))
        let digest = SignedMessage.contentDigest(of: Self.body)
        var forgeries: [(String, SignedRequest)] = []
        // Every hex digit changed, one at a time.
        for index in 0..<64 {
            var digits = Array(hex)
            digits[index] = digits[index] == "0" ? "1" : "0"
            forgeries.append(("digit \(index)", Self.request(signature: "v1=" + String(digits))))
        }
        // Every bit of the body flipped in turn (first 8 bytes), a byte added or removed.
        for index in 0..<8 {
            for bit in 0..<8 {
                var body = Self.body
                body[index] ^= 1 << bit
                forgeries.append(("body bit \(index).\(bit)", Self.request(signature: good, body: body)))
            }
        }
        forgeries.append(("body longer", Self.request(signature: good, body: Self.body + [0x20])))
        forgeries.append(("body shorter", Self.request(signature: good, body: Array(Self.body.dropLast()))))
        forgeries.append(("body empty", Self.request(signature: good, body: [])))
        // Another method, target, timestamp, caller, secret.
        for method in ["GET", "PUT", "post", "HEAD", "DELETE"] {
            forgeries.append(("method \(method)", Self.request(signature: good, method: method)))
        }
        for target in ["/redemptions/", "/redemptions?x=1", "/Redemptions", "/holds", "", "//redemptions"] {
            forgeries.append(("target \(target)", Self.request(signature: good, target: target)))
        }
        for timestamp in ["1763840001", "1763839999", "01763840000"] {
            forgeries.append(("timestamp \(timestamp)", Self.request(timestamp: timestamp, signature: good)))
        }
        forgeries.append(("caller erp", Self.request(caller: "erp", signature: good)))
        forgeries.append(("caller unknown", Self.request(caller: "shop", signature: good)))
        forgeries.append(("caller empty", Self.request(caller: "", signature: good)))
        forgeries.append(("no caller", Self.request(caller: nil, signature: good)))
        forgeries.append(("no timestamp", Self.request(timestamp: nil, signature: good)))
        forgeries.append(("no signature", Self.request(signature: nil)))
        forgeries.append(("secret of erp", Self.request(signature: Self.sign(.v1, secret: "other"))))
        forgeries.append(("empty secret", Self.request(signature: Self.sign(.v1, secret: ""))))
        // Malformed encodings of the good MAC.
        let short = String(hex.dropLast())
        var encodings: [String] = ["v1=" + short, "v1=" + hex + "0", "v1=" + hex + "00", "V1=" + hex, "v1 =" + hex]
        encodings += ["v1=" + hex + " ", " v1=" + hex, "v1=" + hex + ",v1=" + hex, "v1=" + hex + ";", "sha256=" + hex]
        encodings += [hex, "v0=" + hex]
        for variant in encodings {
            forgeries.append(("encoding \(variant.prefix(8))", Self.request(signature: variant)))
        }
        // Schemes crossed: a v1 MAC presented as v2, a v2 MAC as v1, v2 with another digest.
        forgeries.append(("v1 as v2", Self.request(signature: "v2=" + hex, digest: digest)))
        forgeries.append(("v2 as v1", Self.request(signature: "v1=" + Self.sign(.v2).dropFirst(3), digest: digest)))
        forgeries.append(
            ("v2 other digest", Self.request(signature: Self.sign(.v2), digest: SignedMessage.contentDigest(of: [1]))))
        forgeries.append(
            (
                "v2 other digest, no body",
                Self.request(signature: Self.sign(.v2), digest: SignedMessage.contentDigest(of: [1]), body: nil)
            ))
        forgeries.append(("v2 body changed", Self.request(signature: Self.sign(.v2), digest: digest, body: [0x7b, 0x7d])))
        var accepted: [String] = []
        for (name, request) in forgeries where Self.isSuccess(Self.verifier.verify(request, now: Self.now)) {
            accepted.append(name)
        }
        #expect(forgeries.count >= 150)
        #expect(accepted.isEmpty, "accepted forgeries: \(accepted)")
        print("webhook forgery variants tried: \(forgeries.count), accepted: \(accepted.count)")
    }

    @Test func secretsSpecification() {
        let verifier = WebhookVerifier(specification: " pos = a ,erp=b=c,broken,empty=, =x")
        #expect(verifier.callers == ["erp", "pos"])
        let signature = SignedMessage.sign(
            scheme: .v1, secret: Array("b=c".utf8), timestamp: Self.t, method: "POST", target: "/x", body: [])
        #expect(
            Self.isSuccess(
                verifier.verify(
                    Self.request(caller: "erp", signature: signature.headerValue, target: "/x", body: []), now: Self.now)))
    }

    static func isSuccess(_ result: Result<VerifiedRequest, AuthenticationFailure>) -> Bool {
        if case .success = result { return true }
        return false
    }
}
