import Foundation
import Logging
import Testing

@testable import PuntosRuntime

/// The worker's Runtime API client against a raw server that misbehaves on purpose (real sockets).
/// The same client against `puntos up`'s own Runtime API: `LocalRuntimeTests`.
@Suite struct RuntimeAPIConnectionTests {
    static let logger = Logger(label: "test")
    static let next = "/2018-06-01/runtime/invocation/next"

    static func ok(_ body: String, headers: String = "") -> String {
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    static func failure(_ body: () throws -> Any) -> RuntimeAPIConnectionError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? RuntimeAPIConnectionError
        }
    }

    @Test func theDriverTakesAnEventAndAnswersOnOneConnection() throws {
        let event = #"{"kind":"accrue","amount":"12.50"}"#
        let head =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: 8476a536-e9f4-11e8\r\n"
            + "Lambda-Runtime-Deadline-Ms: 1795377097123\r\nLambda-Runtime-Trace-Id: Root=1-5bef4de7\r\n"
            + "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:local:0:function:accrue\r\n"
            + "Content-Length: \(event.utf8.count)\r\n\r\n"
        let server = try ScriptedHTTPServer([
            // The head and the body a byte at a time: the client must wait for every piece.
            .byteByByte(head + event),
            .whole("HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}"),
        ])
        let driver = RuntimeAPIDriver(endpoint: "127.0.0.1:\(server.port)", logger: Self.logger)
        let invocation = try driver.next()
        #expect(invocation.requestId == "8476a536-e9f4-11e8")
        #expect(invocation.deadline == Date(timeIntervalSince1970: 1_795_377_097.123))
        #expect(invocation.traceId == "Root=1-5bef4de7")
        #expect(invocation.functionArn == "arn:aws:lambda:local:0:function:accrue")
        #expect(String(decoding: invocation.event, as: UTF8.self) == event)
        try driver.respond(invocation, .success(Data(#"{"points":125}"#.utf8)))
        let host = "127.0.0.1:\(server.port)"
        #expect(
            server.requests == [
                "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: \(host)\r\nContent-Length: 0\r\n\r\n",
                "POST /2018-06-01/runtime/invocation/8476a536-e9f4-11e8/response HTTP/1.1\r\nHost: \(host)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 14\r\n\r\n{\"points\":125}",
            ])
        #expect(server.connections == 1)
    }

    @Test func aFunctionErrorIsLambdasErrorDocument() throws {
        let server = try ScriptedHTTPServer([.whole("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")])
        let driver = RuntimeAPIDriver(endpoint: "127.0.0.1:\(server.port)", logger: Self.logger)
        let invocation = RuntimeAPIDriver.Invocation(requestId: "r-1", deadline: Date(), event: Data())
        try driver.respond(
            invocation, .failure(FunctionError.badInput(.invalidValue, field: "amount", "amount must be positive")))
        let request = try #require(server.requests.first)
        #expect(request.hasPrefix("POST /2018-06-01/runtime/invocation/r-1/error HTTP/1.1\r\n"))
        #expect(request.contains("\r\nLambda-Runtime-Function-Error-Type: Puntos.bad_input\r\n"))
        let body = try JSONSerialization.jsonObject(with: Data(request.split(separator: "\r\n\r\n")[1].utf8)) as? [String: String]
        #expect(
            body == [
                "errorType": "Puntos.bad_input", "errorMessage": "amount must be positive", "code": "invalid_value",
                "field": "amount",
            ])
    }

    @Test func aChunkedBodySplitOverManyWrites() throws {
        let chunked =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n1\r\n \r\nB\r\nworld, 6 MB\r\n0\r\nX-Checksum: 1\r\n\r\n"
        let server = try ScriptedHTTPServer([
            .answer([
                Array(chunked.utf8.prefix(20)), Array(chunked.utf8.dropFirst(20).prefix(31)), Array(chunked.utf8.dropFirst(51)),
            ]),
            .byteByByte(chunked),
        ])
        let connection = RuntimeAPIConnection(endpoint: "127.0.0.1:\(server.port)")
        for _ in 0..<2 {
            let response = try connection.send("GET", Self.next, timeout: .seconds(5))
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "hello world, 6 MB")
        }
        #expect(server.connections == 1)
    }

    @Test func aServerThatClosesAfterEachResponseIsReconnectedTo() throws {
        let server = try ScriptedHTTPServer((1...3).map { .whole(Self.ok("{\"n\":\($0)}"), close: true) })
        let connection = RuntimeAPIConnection(endpoint: "127.0.0.1:\(server.port)")
        let bodies = try (1...3).map { _ in
            String(decoding: try connection.send("GET", Self.next, timeout: .seconds(5)).body, as: UTF8.self)
        }
        #expect(bodies == [#"{"n":1}"#, #"{"n":2}"#, #"{"n":3}"#])
        #expect(server.connections == 3)
        #expect(server.requests.count == 3)
    }

    @Test func aRequestTheServerDroppedUnansweredIsSentOnceMoreAfresh() throws {
        let server = try ScriptedHTTPServer([.whole(Self.ok("first")), .hangUp, .whole(Self.ok("second"))])
        let connection = RuntimeAPIConnection(endpoint: "127.0.0.1:\(server.port)")
        _ = try connection.send("GET", Self.next, timeout: .seconds(5))
        let response = try connection.send(
            "POST", "/2018-06-01/runtime/invocation/r-2/response", body: Data("42".utf8), timeout: .seconds(5))
        #expect(String(decoding: response.body, as: UTF8.self) == "second")
        #expect(server.connections == 2)
        #expect(server.requests.count == 3)
        #expect(server.requests[1] == server.requests[2])
        #expect(server.requests[2].hasSuffix("Content-Length: 2\r\n\r\n42"))
    }

    @Test func connectionCloseIsHonoured() throws {
        let server = try ScriptedHTTPServer([
            .whole(Self.ok("one", headers: "Connection: close\r\n")),
            // No length at all: the body runs to the close.
            .whole("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\ntwo, to the end", close: true),
            .whole(Self.ok("three")),
        ])
        let connection = RuntimeAPIConnection(endpoint: "127.0.0.1:\(server.port)")
        let bodies = try (1...3).map { _ in
            String(decoding: try connection.send("GET", Self.next, timeout: .seconds(5)).body, as: UTF8.self)
        }
        #expect(bodies == ["one", "two, to the end", "three"])
        #expect(server.connections == 3)
    }

    @Test func anOverlongHeaderBlockIsAClearError() throws {
        let padding = String(repeating: "x", count: 20_000)
        let server = try ScriptedHTTPServer([.whole("HTTP/1.1 200 OK\r\nX-Padding: \(padding)\r\nContent-Length: 0\r\n\r\n")])
        let connection = RuntimeAPIConnection(endpoint: "127.0.0.1:\(server.port)")
        let error = Self.failure { try connection.send("GET", Self.next, timeout: .seconds(5)) }
        #expect(error?.kind == .tooLarge)
        #expect(error?.message.contains("header block") == true)
    }

    @Test func aBodyOverTheLimitIsAClearErrorBeforeItIsRead() throws {
        let server = try ScriptedHTTPServer([
            .whole("HTTP/1.1 200 OK\r\nContent-Length: 6291457\r\n\r\n"),
            .whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n\(String(repeating: "a", count: 1024))\r\n"),
        ])
        let connection = RuntimeAPIConnection(endpoint: "127.0.0.1:\(server.port)", limits: .init(bodyBytes: 1000))
        let declared = Self.failure { try connection.send("GET", Self.next, timeout: .seconds(5)) }
        #expect(declared?.kind == .tooLarge)
        #expect(declared?.message.contains("Content-Length 6291457") == true)
        let chunked = Self.failure { try connection.send("GET", Self.next, timeout: .seconds(5)) }
        #expect(chunked?.kind == .tooLarge)
        #expect(server.connections == 2)
        #expect(RuntimeAPIConnection.Limits().bodyBytes == 6 * 1024 * 1024)
    }

    @Test(arguments: [
        "SSH-2.0-OpenSSH_9.2\r\n",
        "HTTP/1.1 OK\r\n\r\n",
        "HTTP/2 200\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 099 Low\r\n\r\n",
        "HTTP/1.1 600 High\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: no name\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-Bare: a\nb\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
    ])
    func garbageIsAClearErrorNeverAHang(_ answer: String) throws {
        // The server keeps the connection open after its garbage: only parsing can end the wait.
        let server = try ScriptedHTTPServer([.whole(answer), .silence])
        defer { server.stop() }
        let connection = RuntimeAPIConnection(endpoint: "127.0.0.1:\(server.port)")
        let error = Self.failure { try connection.send("GET", Self.next, timeout: .seconds(10)) }
        #expect(error?.kind == .malformed, "\(String(describing: error))")
    }

    @Test func headerNamesAreCaseInsensitiveAndValuesTrimmed() throws {
        let event = #"{"kind":"accrue"}"#
        let head =
            "HTTP/1.0 200 OK\r\nLAMBDA-runtime-AWS-request-ID:\t r-9 \t\r\nlambda-runtime-deadline-ms:   42\r\n"
            + "X-Empty:\r\nCONTENT-LENGTH: \(event.utf8.count)\r\n\r\n"
        let server = try ScriptedHTTPServer([.whole(head + event)])
        let driver = RuntimeAPIDriver(endpoint: "127.0.0.1:\(server.port)", logger: Self.logger)
        let invocation = try driver.next()
        #expect(invocation.requestId == "r-9")
        #expect(invocation.deadline == Date(timeIntervalSince1970: 0.042))
        #expect(String(decoding: invocation.event, as: UTF8.self) == event)
    }

    @Test func anAnswerThatNeverComesTimesOut() throws {
        let server = try ScriptedHTTPServer([.silence])
        defer { server.stop() }
        let connection = RuntimeAPIConnection(endpoint: "127.0.0.1:\(server.port)")
        let error = Self.failure {
            try connection.send(
                "POST", "/2018-06-01/runtime/invocation/r/response", body: Data("{}".utf8), timeout: .milliseconds(200))
        }
        #expect(error?.kind == .timeout)
    }

    @Test func aHostNameAndAnIPv6AddressAreReached() throws {
        let named = try ScriptedHTTPServer([.whole(Self.ok("by name"))])
        let byName = try RuntimeAPIConnection(endpoint: "localhost:\(named.port)").send("GET", Self.next, timeout: .seconds(5))
        #expect(String(decoding: byName.body, as: UTF8.self) == "by name")
        #expect(named.requests.first?.contains("\r\nHost: localhost:\(named.port)\r\n") == true)

        let v6 = try ScriptedHTTPServer(ipv6: true, [.whole(Self.ok("over IPv6"))])
        let overV6 = try RuntimeAPIConnection(endpoint: "[::1]:\(v6.port)").send("GET", Self.next, timeout: .seconds(5))
        #expect(String(decoding: overV6.body, as: UTF8.self) == "over IPv6")
    }

    @Test func badEndpointsAndRequestsAreRefusedBeforeAnythingIsSent() throws {
        for endpoint in ["127.0.0.1", "127.0.0.1:0", "127.0.0.1:http", "::1:9001", ":9001", "[::1:9001"] {
            let error = Self.failure { try RuntimeAPIConnection(endpoint: endpoint).send("GET", Self.next, timeout: .seconds(1)) }
            #expect(error?.kind == .address, "\(endpoint)")
        }
        let unresolvable = Self.failure {
            try RuntimeAPIConnection(endpoint: "no-such-host.invalid:9001").send("GET", Self.next, timeout: .seconds(1))
        }
        #expect(unresolvable?.kind == .address)

        let server = try ScriptedHTTPServer([.whole(Self.ok("never asked"))])
        let connection = RuntimeAPIConnection(endpoint: "127.0.0.1:\(server.port)")
        let injected = Self.failure {
            try connection.send("POST", "/2018-06-01/runtime/invocation/x HTTP/1.1\r\nX: y/response", timeout: .seconds(1))
        }
        #expect(injected?.kind == .invalidRequest)
        let badHeader = Self.failure {
            try connection.send("GET", Self.next, headers: [("X-Trace", "a\r\nInjected: 1")], timeout: .seconds(1))
        }
        #expect(badHeader?.kind == .invalidRequest)
        #expect(server.connections == 0)
    }

    @Test func nobodyListeningIsAConnectError() throws {
        // A port that was just listened on, no more.
        let server = try ScriptedHTTPServer([])
        server.closeListener()
        let port = server.port
        let error = Self.failure {
            try RuntimeAPIConnection(endpoint: "127.0.0.1:\(port)").send("GET", Self.next, timeout: .seconds(1))
        }
        #expect(error?.kind == .connect)
    }
}
