import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PuntosRuntime
import PuntosTestSupport
import Testing

@testable import puntos

/// The gateway's middleware in process: each test runs once against the responder itself (`.router`)
/// and once through a live server on a free port (`.live`), with the real handlers of register-card and
/// unsubscribe and the replay table on the test database. FrontDoorTests covers the same ground
/// through a spawned `puntos up`.
@Suite struct GatewayTests {
    typealias Tier = GatewayHarness.Tier

    static func issue(_ key: String) -> String {
        #"{"idempotency_key":"\#(key)","customer":{"external_id":"\#(key)","email":"\#(key)@example.com"}}"#
    }

    @Test(arguments: Tier.allCases) func aSignedRequestReachesItsFunction(_ tier: Tier) async throws {
        let harness = try GatewayHarness()
        let body = Self.issue(TestDatabase.unique("gw-ok"))
        try await harness.test(tier) { client in
            let response = try await GatewayHarness.post(client, "/cards", body: body)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            #expect((response.json["card"] as? [String: Any])?["number"] is String)
            #expect(response.headers[HTTPField.Name("X-Request-Id")!]?.isEmpty == false)
        }
    }

    /// The caller and the digest of the checked body go to the function as API Gateway's authorizer
    /// passes them; a public route gets no authorizer context.
    @Test(arguments: Tier.allCases) func theAuthorizerContextCarriesTheCallerAndTheBodyDigest(_ tier: Tier) async throws {
        let harness = try GatewayHarness()
        let body = #"{"card_number":"\#(TestDatabase.unique("digest"))"}"#
        try await harness.test(tier) { client in
            let response = try await GatewayHarness.post(client, "/forecast", body: body)
            #expect(response.status == .ok)
        }
        let event = try #require(harness.recorder.received.first)
        let requestContext = event["requestContext"] as? [String: Any]
        let authorizer = (requestContext?["authorizer"] as? [String: Any])?["lambda"] as? [String: Any]
        #expect(authorizer?["caller"] as? String == "pos")
        #expect(authorizer?["content_sha256"] as? String == SHA256Digest.hash(Data(body.utf8)).hexString)
        #expect(event["routeKey"] as? String == "POST /forecast")
        #expect(event["body"] as? String == body)
    }

    @Test(arguments: Tier.allCases) func aBadSignatureOrAStaleTimestampIsRefused(_ tier: Tier) async throws {
        let harness = try GatewayHarness()
        let body = Self.issue(TestDatabase.unique("gw-bad"))
        try await harness.test(tier) { client in
            let wrong = GatewayHarness.signature(method: "POST", target: "/cards", body: body, secret: "wrong")
            let stale = GatewayHarness.signature(
                method: "POST", target: "/cards", body: body, timestamp: Int(Date().timeIntervalSince1970) - 301)
            let elsewhere = GatewayHarness.signature(method: "POST", target: "/cards/link", body: body)
            for (headers, code) in [
                (HTTPFields(), "signature_missing"), (wrong, "wrong_signature"), (stale, "stale_timestamp"),
                (elsewhere, "wrong_signature"),
            ] {
                let response = try await GatewayHarness.post(client, "/cards", body: body, headers: headers)
                #expect(response.status == .unauthorized)
                #expect(response.error.code == code)
                #expect(response.headers[.wwwAuthenticate] == "PuntosSignature")
            }
        }
    }

    /// A replay is refused, the signature's hex re-encoded included: the MAC is what is claimed.
    @Test(arguments: Tier.allCases) func aReplayWithTheHexReencodedIsRefused(_ tier: Tier) async throws {
        let harness = try GatewayHarness()
        let body = Self.issue(TestDatabase.unique("gw-replay"))
        try await harness.test(tier) { client in
            let headers = GatewayHarness.signature(method: "POST", target: "/cards", body: body)
            #expect(try await GatewayHarness.post(client, "/cards", body: body, headers: headers).status == .ok)
            let name = HTTPField.Name("X-Puntos-Signature")!
            let hex = String(headers[name]!.dropFirst(3))
            let mixed = String(hex.enumerated().map { $0.offset % 3 == 0 ? Character($0.element.uppercased()) : $0.element })
            for variant in [hex, hex.uppercased(), mixed] {
                var replay = headers
                replay[name] = "v1=" + variant
                let response = try await GatewayHarness.post(client, "/cards", body: body, headers: replay)
                #expect(response.status == .unauthorized)
                #expect(response.error.code == "replayed_request")
            }
        }
    }

    /// A read carries no body, signed or public: refused before the signature is even looked at.
    @Test(arguments: Tier.allCases) func aGETWithABodyIsRefused(_ tier: Tier) async throws {
        let harness = try GatewayHarness()
        let target = "/cards/\(TestDatabase.unique("get"))"
        let body = #"{"kind":"block","reason":"via GET"}"#
        try await harness.test(tier) { client in
            for (uri, headers) in [
                (target, GatewayHarness.signature(method: "GET", target: target, body: body)), (target, HTTPFields()),
                ("/unsubscribe?token=x", HTTPFields()),
            ] {
                try await client.execute(uri: uri, method: .get, headers: headers, body: ByteBuffer(string: body)) {
                    #expect($0.status == .badRequest, "\(uri)")
                    #expect($0.error.code == "body_not_allowed")
                }
            }
        }
    }

    /// The route decides the kind: a signed body naming another is refused by the function.
    @Test(arguments: Tier.allCases) func aBodyCannotWidenItsRoute(_ tier: Tier) async throws {
        let harness = try GatewayHarness()
        let body = #"{"kind":"block","reason":"\#(TestDatabase.unique("widened"))"}"#
        try await harness.test(tier) { client in
            let response = try await GatewayHarness.post(client, "/cards", body: body)
            #expect(response.status == .badRequest)
            #expect(response.error.code == "kind_not_allowed")
            #expect(response.error.field == "kind")
        }
    }

    /// A public route needs no signature and reaches exactly its one action.
    @Test(arguments: Tier.allCases) func aPublicRouteReachesOnlyItsAction(_ tier: Tier) async throws {
        let harness = try GatewayHarness()
        try await harness.test(tier) { client in
            let unsigned = HTTPFields()
            let reached = try await GatewayHarness.post(client, "/unsubscribe", body: #"{"token":"x"}"#, headers: unsigned)
            #expect(reached.status == .badRequest)
            #expect(reached.error.code == "invalid_token")
            let widened = #"{"kind":"show","token":"x"}"#
            let refused = try await GatewayHarness.post(client, "/unsubscribe", body: widened, headers: unsigned)
            #expect(refused.status == .badRequest)
            #expect(refused.error.code == "kind_not_allowed")
            #expect(refused.error.field == "kind")
        }
    }

    /// Without the replay table no signed request is accepted: 503 with Retry-After, never a pass.
    @Test(arguments: Tier.allCases) func aSignedRequestIsNotAcceptedWithoutTheReplayTable(_ tier: Tier) async throws {
        let harness = try GatewayHarness(replayDatabaseURL: "postgresql://puntos@127.0.0.1:1/puntos?connect_timeout=2")
        let body = Self.issue(TestDatabase.unique("gw-down"))
        try await harness.test(tier) { client in
            let response = try await GatewayHarness.post(client, "/cards", body: body)
            #expect(response.status == .serviceUnavailable)
            #expect(response.error.code == "database_unavailable")
            #expect(response.headers[.retryAfter] == "1")
        }
    }

    @Test(arguments: Tier.allCases) func unknownPathsAndMethodsAreAnsweredByTheGateway(_ tier: Tier) async throws {
        let harness = try GatewayHarness()
        try await harness.test(tier) { client in
            try await client.execute(uri: "/nowhere", method: .get) {
                #expect($0.status == .notFound)
                #expect($0.error.code == "no_route")
            }
            try await client.execute(uri: "/cards", method: .delete) {
                #expect($0.status == .methodNotAllowed)
                #expect($0.error.code == "method_not_allowed")
            }
            try await client.execute(uri: "/metrics", method: .get) {
                #expect(String(buffer: $0.body).contains(#"puntos_http_requests_total{route="unmatched",status="404"}"#))
            }
        }
    }
}
