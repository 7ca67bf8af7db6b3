import Foundation
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// `puntos up` end to end: real HTTP, real worker processes on the Lambda Runtime API, the real queue
/// and schedule tables. Each test starts its own runtime on a free port (Tests/Fixtures/deploy.test.yaml).
@Suite(.serialized) struct LocalRuntimeTests {
    func json(_ response: HTTPResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]) ?? [:]
    }

    func attempts(_ key: String) throws -> Int {
        let database = try TestDatabase.make()
        defer { database.close() }
        return try database.withConnection { connection in
            // puntos_test_echo is made by scripts/test as the owner: the functions' role creates no tables.
            return try connection.query("SELECT coalesce(max(attempts), 0) AS n FROM puntos_test_echo WHERE key = \(key)").one()
                .decode("n", as: Int.self)
        }
    }

    func messages(withBodyContaining marker: String, table: String = "puntos_queue_messages") throws -> Int {
        let database = try TestDatabase.make()
        defer { database.close() }
        let sql: SQL =
            table == "puntos_queue_messages"
            ? "SELECT count(*) AS n FROM puntos_queue_messages WHERE strpos(body, \(marker)) > 0"
            : "SELECT count(*) AS n FROM puntos_queue_dead_letters WHERE strpos(body, \(marker)) > 0"
        return try database.withConnection { try $0.query(sql).one().decode("n", as: Int.self) }
    }

    /// Polls `condition` for up to `seconds`.
    func eventually(_ seconds: Double = 20, _ condition: () throws -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(100_000)
        }
        return try condition()
    }

    @Test func everyRouteThroughRealHTTP() throws {
        let runtime = try LocalRuntime()
        defer { #expect(runtime.stop() == 0) }
        let externalId = TestDatabase.unique("LR")
        let issue =
            #"{"idempotency_key":"\#(externalId)","customer":{"external_id":"\#(externalId)","email":"\#(externalId)@example.com"}}"#
        let issued = try runtime.signed("POST", "/cards", body: issue)
        #expect(issued.status == 200, "\(String(decoding: issued.body, as: UTF8.self))")
        #expect(issued.header("x-request-id")?.isEmpty == false)
        let number = try #require((json(issued)["card"] as? [String: Any])?["number"] as? String)

        let looked = try runtime.signed("GET", "/cards/\(number)")
        #expect(looked.status == 200)
        #expect((json(looked)["card"] as? [String: Any])?["number"] as? String == number)
        let byEmail = try runtime.signed("GET", "/cards?email=\(externalId)@example.com")
        #expect(byEmail.status == 200, "\(String(decoding: byEmail.body, as: UTF8.self))")

        let agreement = #"{"idempotency_key":"\#(externalId)-a","version":"2026-01","accepted_at":"2026-01-15T10:00:00Z"}"#
        #expect(try runtime.signed("POST", "/cards/\(number)/agreement", body: agreement).status == 200)
        let block = #"{"idempotency_key":"\#(externalId)-b","reason":"lost"}"#
        #expect(try runtime.signed("POST", "/cards/\(number)/block", body: block).status == 200)

        // Error statuses come from the function's error kind.
        let bad = try runtime.signed("POST", "/cards", body: #"{"customer":{"external_id":5}}"#)
        #expect(bad.status == 400)
        #expect((json(bad)["error"] as? [String: Any])?["field"] as? String == "customer.external_id")
        #expect(try runtime.signed("GET", "/cards?email=nobody-\(externalId)@example.com").status == 404)
        #expect(try runtime.signed("POST", "/test/echo", body: #"{"fail":"conflict"}"#).status == 409)
        #expect(try runtime.signed("POST", "/test/echo", body: #"{"fail":"refused"}"#).status == 422)
        let temporary = try runtime.signed("POST", "/test/echo", body: #"{"fail":"temporary"}"#)
        #expect(temporary.status == 503)
        #expect(temporary.header("retry-after") != nil)
        #expect(try runtime.signed("GET", "/test/echo/hello").status == 200)

        // puntos's own answers.
        let ghost = try runtime.send("POST", "/ghost", body: "{}")
        #expect(ghost.status == 503)
        #expect(ghost.header("retry-after") == "1")
        #expect(try runtime.send("GET", "/nowhere").status == 404)
        #expect(try runtime.send("DELETE", "/cards").status == 405)
        let huge = String(repeating: "x", count: 1_100_000)
        let tooLarge = try runtime.send("POST", "/test/echo", body: huge)
        #expect(tooLarge.status == 413)
        #expect(tooLarge.header("x-request-id")?.isEmpty == false)
        let metrics = String(decoding: try runtime.get("/metrics").body, as: UTF8.self)
        #expect(metrics.contains(#"puntos_http_requests_total{route="POST /cards",status="200"}"#))
        #expect(metrics.contains("puntos_http_request_duration_seconds_bucket"))
    }

    /// The worker's Runtime API client (a plain socket, `RuntimeAPIConnection`) against puntos's own
    /// Runtime API: large and small events both ways on one warm worker, which never loads libcurl.
    @Test func aWarmWorkerSpeaksTheRuntimeAPIWithoutLibcurl() throws {
        let runtime = try LocalRuntime()
        defer { #expect(runtime.stop() == 0) }
        let large = String(repeating: "0123456789", count: 50_000)
        var pids: Set<Int> = []
        for value in ["small", large, "small again"] {
            let answer = try runtime.signed("POST", "/test/echo", body: #"{"value":"\#(value)"}"#)
            #expect(answer.status == 200)
            let output = json(answer)
            #expect((output["event"] as? [String: Any])?["value"] as? String == value)
            #expect((output["request_id"] as? String)?.isEmpty == false)
            if let pid = output["pid"] as? Int { pids.insert(pid) }
        }
        #expect(!pids.isEmpty)
        for pid in pids {
            let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
            #expect(maps.contains("puntos-test-echo"))
            #expect(!maps.contains("libcurl"), "a worker that sends nothing itself loaded libcurl")
        }
    }

    @Test func signaturesAreChecked() throws {
        let runtime = try LocalRuntime()
        defer { #expect(runtime.stop() == 0) }
        let body = #"{"kind":"echo"}"#
        func post(_ headers: [(name: String, value: String)]) throws -> HTTPResponse {
            try runtime.send("POST", "/test/echo", body: body, headers: headers)
        }
        #expect(try post([]).status == 401)  // missing
        #expect(try post(LocalRuntime.signature(secret: "wrong", method: "POST", target: "/test/echo", body: body)).status == 401)
        #expect(
            try post(LocalRuntime.signature(caller: "nobody", secret: "x", method: "POST", target: "/test/echo", body: body))
                .status == 401)
        let stale = Int(Date().timeIntervalSince1970) - 301
        #expect(
            try post(LocalRuntime.signature(method: "POST", target: "/test/echo", body: body, timestamp: stale)).status == 401)
        #expect(try post(LocalRuntime.signature(method: "POST", target: "/other", body: body)).status == 401)
        let good = LocalRuntime.signature(method: "POST", target: "/test/echo", body: body)
        #expect(try post(good).status == 200)
        let replayed = try post(good)
        #expect(replayed.status == 401)
        #expect((json(replayed)["error"] as? [String: Any])?["code"] as? String == "replayed_request")
        #expect(try runtime.send("GET", "/test/public").status == 200)  // public route, no signature
    }

    @Test func theAWSClientInvokes() throws {
        let runtime = try LocalRuntime()
        defer { #expect(runtime.stop() == 0) }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("invoke-\(runtime.port).json")
        func aws(_ payload: String, function: String = "puntos-test-echo") throws -> (Int32, String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "aws", "lambda", "invoke", "--endpoint-url", runtime.base, "--function-name", function,
                "--payload", payload, output.path,
            ]
            var environment = ProcessInfo.processInfo.environment
            environment["AWS_ACCESS_KEY_ID"] = "local"
            environment["AWS_SECRET_ACCESS_KEY"] = "local"
            environment["AWS_DEFAULT_REGION"] = "us-east-1"
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }
        let (status, text) = try aws(#"{"kind":"echo","value":42}"#)
        #expect(status == 0, "\(text)")
        #expect(text.contains("\"StatusCode\": 200"))
        let answer = try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [String: Any]
        #expect((answer?["event"] as? [String: Any])?["value"] as? Int == 42)
        let (_, failed) = try aws(#"{"fail":"refused"}"#)
        #expect(failed.contains("\"FunctionError\": \"Unhandled\""), "\(failed)")
        let (missingStatus, _) = try aws("{}", function: "no-such-function")
        #expect(missingStatus != 0)
    }

    @Test func aQueueMessageThatFailsTwiceThenSucceeds() throws {
        let runtime = try LocalRuntime()
        defer { #expect(runtime.stop() == 0) }
        let key = TestDatabase.unique("q2")
        let enqueued = try runtime.signed(
            "POST", "/queues/EchoQueue/messages", body: #"{"kind":"q","key":"\#(key)","fail_times":2}"#)
        #expect(enqueued.status == 201)
        #expect(try eventually { try attempts(key) == 3 && messages(withBodyContaining: key) == 0 })
        #expect(try messages(withBodyContaining: key, table: "dead") == 0)
    }

    @Test func aMessageThatKeepsFailingIsDeadLetteredAndReplayed() throws {
        let runtime = try LocalRuntime()
        defer { #expect(runtime.stop() == 0) }
        let marker = TestDatabase.unique("dead")
        let enqueue = Process()
        enqueue.executableURL = FunctionProcess.binDirectory.appendingPathComponent("puntos")
        enqueue.arguments = ["enqueue", "EchoQueue", "-", "--template", "Tests/Fixtures/deploy.test.yaml"]
        enqueue.currentDirectoryURL = FunctionProcess.projectRoot
        let input = Pipe()
        enqueue.standardInput = input
        try enqueue.run()
        input.fileHandleForWriting.write(Data(#"{"kind":"q","fail":"bad_input","value":"\#(marker)"}"#.utf8))
        try input.fileHandleForWriting.close()
        enqueue.waitUntilExit()
        #expect(enqueue.terminationStatus == 0)
        #expect(try eventually { try messages(withBodyContaining: marker, table: "dead") == 1 })
        #expect(try messages(withBodyContaining: marker) == 0)
        let database = try TestDatabase.make()
        defer { database.close() }
        let receives = try database.withConnection {
            try $0.query("SELECT receive_count FROM puntos_queue_dead_letters WHERE strpos(body, \(marker)) > 0").one()
                .decode("receive_count", as: Int.self)
        }
        #expect(receives == 3)  // the template's maxReceiveCount
        let metrics = String(decoding: try runtime.get("/metrics").body, as: UTF8.self)
        #expect(metrics.contains(#"puntos_queue_dead{queue="EchoQueue"}"#))
    }

    @Test func aPartialBatchFailureRetriesOnlyTheFailedMessage() throws {
        let runtime = try LocalRuntime()
        defer { #expect(runtime.stop() == 0) }
        let keys = (0..<3).map { TestDatabase.unique("p\($0)") }
        let failing = TestDatabase.unique("pfail")
        let database = try TestDatabase.make()
        defer { database.close() }
        // One transaction, so that the batch is claimed together.
        let bodies =
            keys.map { #"{"kind":"q","key":"\#($0)","fail_times":0}"# } + [#"{"kind":"q","key":"\#(failing)","fail_times":1}"#]
        let array = "[" + bodies.joined(separator: ",") + "]"
        try database.withTransaction { connection in
            try connection.query(
                """
                INSERT INTO puntos_queue_messages (queue, body) SELECT 'EchoQueue', value FROM jsonb_array_elements_text(\(array)::jsonb)
                """)
            try connection.query("SELECT pg_notify('puntos_queue', 'EchoQueue')")
        }
        #expect(try eventually { try attempts(failing) == 2 && messages(withBodyContaining: failing) == 0 })
        for key in keys { #expect(try attempts(key) == 1, "\(key) was delivered again") }
    }

    @Test func aWorkerKilledMidEventIsReplacedAndNothingIsLost() throws {
        let runtime = try LocalRuntime()
        defer { #expect(runtime.stop() == 0) }
        // HTTP: the caller gets an error, never a hang; the next request succeeds.
        let body = #"{"kind":"echo","sleep_ms":2000}"#
        let headers = LocalRuntime.signature(method: "POST", target: "/test/echo", body: body)
        nonisolated(unsafe) var status = 0
        let caller = Thread {
            status = (try? runtime.send("POST", "/test/echo", body: body, headers: headers).status) ?? -1
        }
        caller.start()
        usleep(700_000)
        let victims = runtime.workers(of: "puntos-test-echo")
        #expect(victims.count == 2)
        for pid in victims { kill(pid, SIGKILL) }
        #expect(try eventually(10) { status != 0 })
        #expect(status == 502)
        #expect(try eventually(10) { runtime.workers(of: "puntos-test-echo").count == 2 })
        #expect(try runtime.signed("POST", "/test/echo", body: #"{"kind":"echo","value":"after"}"#).status == 200)

        // Queue: the message held by the killed worker is delivered again and succeeds.
        let key = TestDatabase.unique("kill")
        #expect(
            try runtime.signed(
                "POST", "/queues/EchoQueue/messages", body: #"{"kind":"q","key":"\#(key)","fail_times":0,"sleep_ms":1500}"#
            ).status == 201)
        #expect(try eventually { try attempts(key) == 1 })
        usleep(300_000)
        for pid in runtime.workers(of: "puntos-test-echo") { kill(pid, SIGKILL) }
        #expect(try eventually { try attempts(key) == 2 && messages(withBodyContaining: key) == 0 })

        // A worker that crashes by itself: the invoke caller gets Lambda's error, and the next call works.
        let crash = try runtime.send("POST", "/2015-03-31/functions/puntos-test-echo/invocations", body: #"{"crash":true}"#)
        #expect(crash.header("x-amz-function-error") == "Unhandled")
        #expect(try runtime.send("POST", "/2015-03-31/functions/puntos-test-echo/invocations", body: "{}").status == 200)
        #expect(String(decoding: try runtime.get("/metrics").body, as: UTF8.self).contains("puntos_worker_restarts_total"))
    }

    @Test func aStuckWorkerIsKilledAtItsTimeout() throws {
        let runtime = try LocalRuntime()
        defer { #expect(runtime.stop() == 0) }
        let started = Date()
        let stuck = try runtime.signed("POST", "/test/echo", body: #"{"kind":"echo","sleep_ms":20000}"#)
        #expect(stuck.status == 504)
        #expect(Date().timeIntervalSince(started) < 10)  // Timeout: 3 in the template, plus a second
        #expect(
            try eventually(10) {
                try runtime.signed("POST", "/test/echo", body: #"{"kind":"echo","value":"next"}"#).status == 200
            })
    }

    @Test func aScheduleFiresAndNeverTwiceAtOnce() throws {
        let before = try attempts("schedule-tick")
        let first = try LocalRuntime()
        let second = try LocalRuntime()  // two runtimes on one database: each tick still fires once
        let started = Date()
        #expect(try eventually(10) { try attempts("schedule-tick") >= before + 2 })
        usleep(4_000_000)
        let elapsed = Date().timeIntervalSince(started)
        let fired = try attempts("schedule-tick") - before
        #expect(fired <= Int(elapsed / 2) + 2, "\(fired) runs in \(elapsed) s of rate(2 seconds)")
        #expect(first.stop() == 0)
        #expect(second.stop() == 0)
    }

    @Test func sigtermFinishesInFlightWorkAndExitsZero() throws {
        let runtime = try LocalRuntime()
        let body = #"{"kind":"echo","sleep_ms":1500}"#
        let headers = LocalRuntime.signature(method: "POST", target: "/test/echo", body: body)
        nonisolated(unsafe) var status = 0
        let caller = Thread { status = (try? runtime.send("POST", "/test/echo", body: body, headers: headers).status) ?? -1 }
        caller.start()
        usleep(500_000)
        let stopping = Date()
        #expect(runtime.stop() == 0)
        #expect(status == 200)
        #expect(runtime.workers(of: "puntos-test-echo").isEmpty)
        // The request had about a second to go; the workers then stop at once.
        #expect(Date().timeIntervalSince(stopping) < 5)
    }

    /// Issue 15 item 16: idle, `puntos up` exits at once on SIGTERM (it took 2 to 24 s: its workers
    /// inherited a blocked SIGTERM, so each shutdown waited for the SIGKILL that follows it).
    @Test func sigtermWhileIdleExitsInUnderTwoSeconds() throws {
        let runtime = try LocalRuntime()
        func workers() -> [Int32] { runtime.workers(of: "puntos-test-echo") + runtime.workers(of: "register-card") }
        #expect(try eventually(10) { workers().count == 4 })
        let workers = workers()
        for pid in workers {
            #expect(LocalRuntime.acceptsSignal(SIGTERM, pid: pid) == true, "worker \(pid) blocks or ignores SIGTERM")
        }
        let stopping = Date()
        #expect(runtime.stop() == 0)
        let elapsed = Date().timeIntervalSince(stopping)
        #expect(elapsed < 2, "puntos up took \(elapsed) s to exit on SIGTERM while idle")
    }
}
