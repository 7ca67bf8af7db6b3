import Foundation
import PuntosRuntime
import PuntosTestSupport
import Testing

/// Issue 8, findings 11 and 12: with PostgreSQL gone, a caller hears "retry later" (503 with
/// Retry-After), from the queue intake as from the function routes, and a function gives up connecting
/// at its own deadline, below libpq's two-second floor.
@Suite(.serialized) struct DegradedDatabaseTests {
    /// A TCP proxy in front of the test database (Tests/Fixtures/tcp_proxy.py) that can be cut and restored.
    final class DatabaseProxy {
        let process = Process()
        let port: Int

        init() throws {
            let url = try TestDatabase.url()
            let components = try #require(URLComponents(string: url))
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", "Tests/Fixtures/tcp_proxy.py", components.host ?? "127.0.0.1", String(components.port ?? 5432),
            ]
            process.currentDirectoryURL = FunctionProcess.projectRoot
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            var line = Data()
            while !line.contains(0x0A) {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }  // the proxy ended before it was ready
                line.append(chunk)
            }
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            port = try #require(Int(text.replacingOccurrences(of: "ready ", with: "")), "tcp_proxy said: \(text)")
        }

        /// The test database's URL, through the proxy.
        func url() throws -> String {
            var components = try #require(URLComponents(string: try TestDatabase.url()))
            components.port = port
            return try #require(components.string)
        }

        func cut() { signal(SIGUSR1) }
        func restore() { signal(SIGUSR2) }
        private func signal(_ number: Int32) {
            kill(process.processIdentifier, number)
            usleep(200_000)  // the proxy handles the signal between two polls (0.5 s at most, usually at once)
        }

        deinit {
            process.terminate()
            process.waitUntilExit()
        }
    }

    func code(_ response: HTTPResponse) -> String? {
        let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return (object?["error"] as? [String: Any])?["code"] as? String
    }

    /// Finding 11: the queue intake and a function route answer 503 with Retry-After while PostgreSQL
    /// is unreachable, and the same signed request goes through once it is back (the refusal recorded
    /// nothing, so it is no replay).
    @Test func theQueueIntakeAnswers503WithRetryAfterWhilePostgreSQLIsDown() throws {
        let proxy = try DatabaseProxy()
        let runtime = try LocalRuntime(environment: ["DATABASE_URL": try proxy.url(), "PUNTOS_CONNECT_TIMEOUT_S": "0.5"])
        defer { #expect(runtime.stop() == 0) }
        let body = #"{"kind":"q","key":"\#(TestDatabase.unique("down"))","fail_times":0}"#
        let queueHeaders = LocalRuntime.signature(method: "POST", target: "/queues/EchoQueue/messages", body: body)
        let echo = #"{"kind":"echo","value":"\#(TestDatabase.unique("down-echo"))"}"#
        let echoHeaders = LocalRuntime.signature(method: "POST", target: "/test/echo", body: echo)

        proxy.cut()
        let queued = try runtime.send("POST", "/queues/EchoQueue/messages", body: body, headers: queueHeaders)
        #expect(queued.status == 503)
        #expect(code(queued) == "database_unavailable")
        #expect(queued.header("Retry-After") == "1")
        let routed = try runtime.send("POST", "/test/echo", body: echo, headers: echoHeaders)
        #expect(routed.status == 503)
        #expect(routed.header("Retry-After") != nil)
        #expect(runtime.process.isRunning)

        proxy.restore()
        // Kept connections the cut broke are found broken before use and made again: the first call
        // after the database is back goes through, and so does every next one.
        let retried = try runtime.send("POST", "/queues/EchoQueue/messages", body: body, headers: queueHeaders)
        #expect(retried.status == 201)
        for attempt in 0..<4 {
            let value = TestDatabase.unique("up-\(attempt)")
            let echoAgain = #"{"kind":"echo","value":"\#(value)"}"#
            let answer = try runtime.send(
                "POST", "/test/echo", body: echoAgain,
                headers: LocalRuntime.signature(method: "POST", target: "/test/echo", body: echoAgain))
            #expect(answer.status == 200, "call \(attempt) after the database came back: \(answer.status)")
        }
        let replay = try runtime.send("POST", "/queues/EchoQueue/messages", body: body, headers: queueHeaders)
        #expect(replay.status == 401)
        #expect(code(replay) == "replayed_request")
    }

    /// Finding 12: PUNTOS_CONNECT_TIMEOUT_S below two seconds is honoured (libpq's connect_timeout
    /// rounds up to 2 s): against a server that accepts the connection and never answers, the function
    /// exits 75 at its own deadline.
    @Test func aSubSecondConnectDeadlineIsHonoured() throws {
        // A listening socket that never accepts: the kernel completes the handshake, nobody answers.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        #expect(bound == 0)
        #expect(listen(fd, 16) == 0)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))

        for deadline in ["0.3", "0.6"] {
            let started = Date()
            let outcome = try FunctionProcess.run(
                "balance", input: Data(#"{"kind":"balance","card_number":"7789733349467678"}"#.utf8),
                environment: [
                    "DATABASE_URL": "postgresql://puntos_app@127.0.0.1:\(port)/puntos", "PUNTOS_CONNECT_TIMEOUT_S": deadline,
                ])
            let elapsed = Date().timeIntervalSince(started)
            #expect(outcome.exitCode == 75)
            #expect(outcome.error?["code"] as? String == "database_unavailable")
            #expect((outcome.error?["message"] as? String)?.contains("PUNTOS_CONNECT_TIMEOUT_S") == true)
            // libpq alone would wait two seconds at least; the deadline gives up long before.
            #expect(elapsed < 1.9, "gave up after \(elapsed) s with a deadline of \(deadline) s")
            #expect(elapsed >= Double(deadline)! * 0.9, "gave up after \(elapsed) s, before its deadline of \(deadline) s")
        }
    }
}
