import Foundation
import PuntosAuthorizer
import PuntosRuntime
import PuntosTestSupport
import Testing

/// The `webhook-authorizer` executable on real API Gateway (HTTP API, payload 2.0) authorizer
/// requests, with the replay table in the test database; and the functions' body-digest check.
@Suite struct AuthorizerTests {
    static let secret = "authorizer-test-secret"

    static func sha256(_ text: String) -> String { SHA256Digest.hash(Data(text.utf8)).hexString }

    static func hmac(_ message: String) -> String {
        HMACSHA256.authenticationCode(for: Data(message.utf8), key: Data(secret.utf8)).hexString
    }

    /// An authorizer request as API Gateway sends it, signed v2 over the body's digest.
    static func event(
        method: String = "POST", path: String = "/cards", query: String = "", body: String,
        timestamp: Int = Int(Date().timeIntervalSince1970), scheme: String = "v2", tamper: Bool = false
    ) -> [String: Any] {
        let target = query.isEmpty ? path : path + "?" + query
        let digest = sha256(body)
        let signature =
            scheme == "v2"
            ? "v2=" + hmac("\(timestamp).\(method).\(target).\(tamper ? sha256("other") : digest)")
            : "v1=" + hmac("\(timestamp).\(method).\(target).\(body)")
        let headers: [String: String] = [
            "content-type": "application/json", "x-puntos-caller": "pos", "x-puntos-timestamp": String(timestamp),
            "x-puntos-signature": signature, "x-puntos-content-sha256": digest, "user-agent": "pos/1.0",
        ]
        return [
            "version": "2.0", "type": "REQUEST",
            "routeArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/\(method)\(path)",
            "identitySource": ["pos", String(timestamp), signature], "routeKey": "\(method) \(path)",
            "rawPath": path, "rawQueryString": query, "headers": headers,
            "queryStringParameters": query.isEmpty ? [:] : ["email": "ana@example.com"],
            "requestContext": [
                "accountId": "123456789012", "apiId": "abcdef123", "domainName": "abcdef123.execute-api.us-east-1.amazonaws.com",
                "domainPrefix": "abcdef123",
                "http": [
                    "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "pos/1.0",
                ],
                "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "routeKey": "\(method) \(path)", "stage": "$default",
                "time": "02/Dec/2026:08:00:00 +0000", "timeEpoch": timestamp * 1000,
            ],
            "pathParameters": [:] as [String: String], "stageVariables": [:] as [String: String],
        ]
    }

    static func authorize(_ event: [String: Any]) throws -> [String: Any] {
        let outcome = try FunctionProcess.run(
            "webhook-authorizer", input: try JSONSerialization.data(withJSONObject: event),
            environment: ["WEBHOOK_SECRETS": "pos=\(secret),erp=other"])
        #expect(outcome.exitCode == 0, "\(outcome.stderrText)")
        return outcome.json ?? [:]
    }

    static func reason(_ answer: [String: Any]) -> String? { (answer["context"] as? [String: String])?["reason"] }

    @Test func aSignedRequestIsAuthorizedOnceAndItsDigestPassedOn() throws {
        let body = #"{"customer":{"external_id":"\#(TestDatabase.unique("authz"))"}}"#
        let event = Self.event(body: body)
        let first = try Self.authorize(event)
        #expect(first["isAuthorized"] as? Bool == true, "\(first)")
        let context = first["context"] as? [String: String]
        #expect(context?["caller"] == "pos")
        #expect(context?["content_sha256"] == Self.sha256(body))
        // The same signed request again: a replay, refused through the shared table.
        let again = try Self.authorize(event)
        #expect(again["isAuthorized"] as? Bool == false)
        #expect(Self.reason(again) == "replayed_request")
    }

    @Test func badSignaturesAreDenied() throws {
        let body = #"{"n":"\#(UUID().uuidString)"}"#
        #expect(Self.reason(try Self.authorize(Self.event(body: body, tamper: true))) == "wrong_signature")
        let stale = Int(Date().timeIntervalSince1970) - 301
        #expect(Self.reason(try Self.authorize(Self.event(body: body, timestamp: stale))) == "stale_timestamp")
        // v1 signs the body, which an authorizer cannot see: only reads may use it.
        #expect(Self.reason(try Self.authorize(Self.event(body: body, scheme: "v1"))) == "v2_signature_required")
        var unknown = Self.event(body: body)
        var headers = unknown["headers"] as! [String: String]
        headers["x-puntos-caller"] = "mallory"
        unknown["headers"] = headers
        #expect(Self.reason(try Self.authorize(unknown)) == "unknown_caller")
        headers["x-puntos-caller"] = "pos"
        headers["x-puntos-content-sha256"] = nil
        unknown["headers"] = headers
        #expect(Self.reason(try Self.authorize(unknown)) == "content_digest_missing")
    }

    @Test func aSignedReadWithItsQueryIsAuthorized() throws {
        let query = "email=ana%40example.com&n=\(UUID().uuidString.prefix(8))"
        let answer = try Self.authorize(Self.event(method: "GET", query: query, body: "", scheme: "v1"))
        #expect(answer["isAuthorized"] as? Bool == true, "\(answer)")
        // The query is signed: another one is another request.
        var other = Self.event(method: "GET", query: query, body: "", scheme: "v1")
        other["rawQueryString"] = "email=eve%40example.com"
        #expect(Self.reason(try Self.authorize(other)) == "wrong_signature")
    }

    @Test func withoutSecretsItCannotStart() throws {
        let outcome = try FunctionProcess.run(
            "webhook-authorizer", input: Data("{}".utf8), environment: ["WEBHOOK_SECRETS": ""])
        #expect(outcome.exitCode == 78)
        #expect(outcome.error?["code"] as? String == "missing_webhook_secrets")
    }

    /// Behind the authorizer, a function refuses a body other than the one whose digest was signed.
    @Test func theFunctionChecksTheBodyAgainstTheSignedDigest() throws {
        let customer = TestDatabase.unique("digest")
        let body = #"{"customer":{"external_id":"\#(customer)"}}"#
        func request(digest: String) throws -> Data {
            try JSONSerialization.data(withJSONObject: [
                "version": "2.0", "routeKey": "POST /cards", "rawPath": "/cards", "rawQueryString": "",
                "headers": ["content-type": "application/json", "x-puntos-content-sha256": digest],
                "requestContext": [
                    "http": ["method": "POST", "path": "/cards"], "requestId": "r1",
                    "authorizer": ["lambda": ["caller": "pos", "content_sha256": digest]],
                ],
                "body": body, "isBase64Encoded": false,
            ])
        }
        let environment = ["PUNTOS_BODY_DIGEST": "authorizer"]
        let forged = try FunctionProcess.run(
            "register-card", input: try request(digest: Self.sha256("another body")), environment: environment)
        #expect(forged.exitCode == 0)
        #expect(forged.json?["statusCode"] as? Int == 401, "\(forged.stdoutText)")
        let genuine = try FunctionProcess.run(
            "register-card", input: try request(digest: Self.sha256(body)), environment: environment)
        #expect(genuine.json?["statusCode"] as? Int == 200, "\(genuine.stdoutText) \(genuine.stderrText)")
    }
}
