import Foundation
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import PuntosWebhooks
import Testing

/// Issue 8 at the front door, through real HTTP to a real `puntos up`: replays (re-encoded, after a
/// restart, on a second instance, GET included), GET bodies, lying Content-Lengths, stalled bodies,
/// and the route deciding the action.
@Suite(.serialized) struct FrontDoorTests {
    func code(_ response: HTTPResponse) -> String? {
        let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return (object?["error"] as? [String: Any])?["code"] as? String
    }

    func field(_ response: HTTPResponse) -> String? {
        let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return (object?["error"] as? [String: Any])?["field"] as? String
    }

    func recase(_ headers: [(name: String, value: String)], _ transform: (String) -> String) -> [(name: String, value: String)] {
        headers.map { $0.name == "X-Puntos-Signature" ? ($0.name, "v1=" + transform(String($0.value.dropFirst(3)))) : $0 }
    }

    /// Finding 1: the signature's hex re-encoded is the same signature, a replay.
    @Test func aReplayWithTheHexReencodedIsRefused() throws {
        let runtime = try LocalRuntime()
        defer { #expect(runtime.stop() == 0) }
        let body = #"{"kind":"echo","value":"\#(TestDatabase.unique("hex"))"}"#
        let headers = LocalRuntime.signature(method: "POST", target: "/test/echo", body: body)
        #expect(try runtime.send("POST", "/test/echo", body: body, headers: headers).status == 200)
        for variant in [
            recase(headers) { $0.uppercased() }, recase(headers) { $0 },
            recase(headers) {
                String($0.enumerated().map { $0.offset % 3 == 0 ? Character($0.element.uppercased()) : $0.element })
            },
        ] {
            let replay = try runtime.send("POST", "/test/echo", body: body, headers: variant)
            #expect(replay.status == 401)
            #expect(code(replay) == "replayed_request")
        }
        // Malformed encodings of the same MAC are refused as malformed, never run.
        for variant in [recase(headers) { $0 + "0" }, recase(headers) { String($0.dropLast()) }, recase(headers) { " " + $0 }] {
            let malformed = try runtime.send("POST", "/test/echo", body: body, headers: variant)
            #expect(malformed.status == 401)
            #expect(code(malformed) == "malformed_signature")
        }
    }

    /// Finding 2: the replay record is in PostgreSQL: a restart, or a second instance, refuses it too.
    @Test func aReplayIsRefusedAfterARestartAndOnASecondInstance() throws {
        let body = #"{"kind":"echo","value":"\#(TestDatabase.unique("restart"))"}"#
        let headers = LocalRuntime.signature(method: "POST", target: "/test/echo", body: body)
        let first = try LocalRuntime()
        let second = try LocalRuntime()
        #expect(try first.send("POST", "/test/echo", body: body, headers: headers).status == 200)
        let onSecond = try second.send("POST", "/test/echo", body: body, headers: headers)
        #expect(onSecond.status == 401)
        #expect(code(onSecond) == "replayed_request")
        #expect(first.stop() == 0)
        #expect(second.stop() == 0)
        let restarted = try LocalRuntime()
        defer { #expect(restarted.stop() == 0) }
        let afterRestart = try restarted.send("POST", "/test/echo", body: body, headers: headers)
        #expect(afterRestart.status == 401)
        #expect(code(afterRestart) == "replayed_request")
    }

    /// Finding 3: GETs are not exempt from the replay check, and cannot carry a body.
    @Test func aGETIsReplayProofAndCarriesNoBody() throws {
        let runtime = try LocalRuntime()
        defer { #expect(runtime.stop() == 0) }
        let target = "/test/echo/\(TestDatabase.unique("get"))"
        let headers = LocalRuntime.signature(method: "GET", target: target, body: "")
        #expect(try runtime.send("GET", target, headers: headers).status == 200)
        let replay = try runtime.send("GET", target, headers: headers)
        #expect(replay.status == 401)
        #expect(code(replay) == "replayed_request")
        // Signed, with a body that would widen the read into a write: refused before anything runs.
        let body = #"{"kind":"block","reason":"via GET"}"#
        let get = try runtime.send(
            "GET", target, body: body, headers: LocalRuntime.signature(method: "GET", target: target, body: body))
        #expect(get.status == 400)
        #expect(code(get) == "body_not_allowed")
        // HEAD over a raw connection (curl waits for a HEAD answer's body).
        let head = try RawHTTP(port: runtime.port)
        let signature = LocalRuntime.signature(method: "HEAD", target: target, body: body)
        head.send(
            "HEAD \(target) HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n"
                + signature.map { "\($0.name): \($0.value)\r\n" }.joined() + "\r\n" + body)
        let headAnswer = head.readHead(seconds: 15)
        #expect(headAnswer.hasPrefix("HTTP/1.1 400"), "\(headAnswer)")
        // A public GET too.
        #expect(try runtime.send("GET", "/test/public", body: body).status == 400)
    }

    /// Finding 4: the route decides the kind; a body naming another is refused, signed or not.
    @Test func theRouteDecidesTheKind() throws {
        let runtime = try LocalRuntime()
        defer { #expect(runtime.stop() == 0) }
        let body = #"{"kind":"tick","key":"widened"}"#
        let widened = try runtime.signed("POST", "/test/echo", body: body)
        #expect(widened.status == 400)
        #expect(field(widened) == "kind")
        // Each test's signed requests differ: the replay store is the database's, shared by the tests
        // that run at once, and an identical request signed in the same second is a replay (401).
        let same = try runtime.signed("POST", "/test/echo", body: #"{"kind":"echo","value":"route"}"#)
        #expect(same.status == 200)
    }

    /// Finding 5: an announced body over the limit is answered 413 at once and the connection closed;
    /// a body that does not arrive is timed out.
    @Test func aLyingContentLengthIsRefusedAtOnceAndAStalledBodyTimesOut() throws {
        let runtime = try LocalRuntime(arguments: ["--body-timeout-ms", "1000"])
        defer { #expect(runtime.stop() == 0) }
        let huge = try RawHTTP(port: runtime.port)
        huge.send(
            "POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000000\r\n\r\n{}")
        let answer = huge.readUntilClosed(seconds: 15)
        #expect(answer.text.hasPrefix("HTTP/1.1 413"), "\(answer.text)")
        #expect(answer.closed)
        let stalled = try RawHTTP(port: runtime.port)
        stalled.send("POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{")
        let timedOut = stalled.readUntilClosed(seconds: 15)  // generous: the timeout is 1 s
        #expect(timedOut.closed)
        #expect(timedOut.text.isEmpty || timedOut.text.hasPrefix("HTTP/1.1 408"), "\(timedOut.text)")
        // The runtime still serves.
        #expect(try runtime.signed("POST", "/test/echo", body: #"{"kind":"echo","value":"still serves"}"#).status == 200)
    }
}
