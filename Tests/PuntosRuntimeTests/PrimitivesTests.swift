import Foundation
import Logging
import PuntosPostgres
import PuntosRuntime
import Testing

@Suite struct TimestampTests {
    @Test func formatsInUTCWithMilliseconds() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_795_377_097.123)) == "2026-11-22T19:51:37.123Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
    }

    @Test(arguments: [
        ("2026-11-22T19:51:37Z", 1_795_377_097.0),
        ("2026-11-22 19:51:37.5+00", 1_795_377_097.5),
        ("2026-11-22T14:51:37-05:00", 1_795_377_097.0),
        ("2026-11-22T22:51:37+0300", 1_795_377_097.0),
        ("2026-11-22", 1_795_305_600.0),
    ])
    func parsesWhatPostgresAndClientsWrite(_ text: String, _ seconds: Double) {
        #expect(Timestamp.parse(text)?.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: [
        "", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-22T25:00:00Z", "2026-11-22T10:00:00", "yesterday",
    ])
    func refusesWhatIsNotATimestamp(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func roundTrips() {
        for seconds in stride(from: -86_400.0 * 400, to: 86_400.0 * 365 * 80, by: 86_400.0 * 7.3) {
            let date = Date(timeIntervalSince1970: seconds.rounded())
            #expect(Timestamp.parse(Timestamp.format(date)) == date)
        }
    }
}

@Suite struct SQLTests {
    @Test func everyInterpolationIsABindParameter() {
        let email = "x'; DROP TABLE cards; --"
        let limit = 5
        let none: String? = nil
        let sql: SQL = "SELECT * FROM customers WHERE email = \(email) AND phone = \(none) LIMIT \(limit)"
        #expect(sql.text == "SELECT * FROM customers WHERE email = $1 AND phone = $2 LIMIT $3")
        #expect(sql.binds == [.text(email), .null, .text("5")])
    }

    @Test func arraysBecomeQuotedArrayLiterals() {
        #expect(["a", "b,c", "d\"e", "f\\g", "{h}"].postgresBind == .text(#"{"a","b,c","d\"e","f\\g","{h}"}"#))
        #expect([String]().postgresBind == .text("{}"))
        #expect([Optional("x"), nil].postgresBind == .text(#"{"x",NULL}"#))
    }

    @Test func decimalsAndDatesAreExactText() {
        #expect(Decimal(string: "1234567890.123456789")!.postgresBind == .text("1234567890.123456789"))
        #expect(Date(timeIntervalSince1970: 0).postgresBind == .text("1970-01-01T00:00:00.000Z"))
    }
}

@Suite struct LoggingTests {
    @Test func redactsContactsAndSecretsAndMasksCards() {
        #expect(LogRedaction.redact(key: "customer.email", value: "ana@example.com") == "[redacted]")
        #expect(LogRedaction.redact(key: "phone", value: "+15551234567") == "[redacted]")
        #expect(LogRedaction.redact(key: "webhook.secret", value: "s3cr3t") == "[redacted]")
        #expect(LogRedaction.redact(key: "card_number", value: "7789000000000010") == "************0010")
        #expect(LogRedaction.redact(key: "function.name", value: "accrue") == "accrue")
    }

    @Test func writesOneJSONObjectPerLineWithRedactedMetadata() throws {
        let lines = LineBox()
        var handler = JSONLogHandler(label: "t", level: .info, output: { lines.append($0) })
        handler.metadata["request.id"] = "r-1"
        let logger = Logger(label: "t", factory: { _ in handler })
        logger.info("card.issued", metadata: ["card_number": "7789000000000010", "email": "ana@example.com", "note": "a\"b\nc"])
        logger.debug("not.shown")
        #expect(lines.all.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines.all[0].utf8)) as? [String: String])
        #expect(object["msg"] == "card.issued")
        #expect(object["level"] == "info")
        #expect(object["request.id"] == "r-1")
        #expect(object["card_number"] == "************0010")
        #expect(object["email"] == "[redacted]")
        #expect(object["note"] == "a\"b\nc")
        #expect(!lines.all[0].contains("ana@example.com"))
    }
}

final class LineBox: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

@Suite struct CryptoTests {
    @Test func hmacMatchesRFC4231() {
        // RFC 4231, test case 2.
        let code = HMACSHA256.authenticationCode(for: Data("what do ya want for nothing?".utf8), key: Data("Jefe".utf8))
        #expect(code.hexString == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(HMACSHA256.isValid(code, for: Data("what do ya want for nothing?".utf8), key: Data("Jefe".utf8)))
        #expect(!HMACSHA256.isValid(code, for: Data("what do ya want for nothing!".utf8), key: Data("Jefe".utf8)))
        #expect(!HMACSHA256.isValid(code.prefix(31), for: Data("what do ya want for nothing?".utf8), key: Data("Jefe".utf8)))
    }

    @Test func sha256AndBase64URL() {
        #expect(
            SHA256Digest.hash(Data("abc".utf8)).hexString == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let bytes = Data([0xfb, 0xff, 0x3e])
        #expect(bytes.base64URLEncoded == "-_8-")
        #expect(Data(base64URLEncoded: "-_8-") == bytes)
        #expect(SecureRandom.bytes(32).count == 32)
        #expect(SecureRandom.bytes(16) != SecureRandom.bytes(16))
    }
}

@Suite struct CABundleTests {
    @Test func anOverrideWinsThenTheFirstSystemBundleThatExists() {
        #expect(CABundle.choose(override: "/opt/certs.pem", isReadable: { _ in true }) == "/opt/certs.pem")
        let amazonLinux = "/etc/pki/tls/certs/ca-bundle.crt"
        #expect(CABundle.choose(override: nil, isReadable: { $0 == amazonLinux }) == amazonLinux)
        #expect(CABundle.choose(override: "", isReadable: { _ in true }) == CABundle.systemBundles[0])
        #expect(CABundle.choose(override: nil, isReadable: { _ in false }) == nil)
    }
}
