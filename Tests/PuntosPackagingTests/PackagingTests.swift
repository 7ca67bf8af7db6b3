import Foundation
import PuntosTestSupport
import Testing

/// The Lambda packages that `scripts/package` writes (scripts/test builds register-card, accrue and
/// deliver into `PUNTOS_LAMBDA_PACKAGES` before the tests): the checker, and each bootstrap running in
/// a root that holds nothing but glibc, against a Runtime API, as provided.al2023 would run it.
@Suite(.serialized) struct PackagingTests {
    struct Missing: Error, CustomStringConvertible { let description: String }

    static var packages: URL {
        get throws {
            guard let folder = ProcessInfo.processInfo.environment["PUNTOS_LAMBDA_PACKAGES"], !folder.isEmpty else {
                throw Missing(description: "PUNTOS_LAMBDA_PACKAGES is not set: run the tests with scripts/test, which packages")
            }
            return URL(fileURLWithPath: folder)
        }
    }

    static let root = FunctionProcess.projectRoot

    /// Runs a program to its end; its exit code, stdout and stderr.
    static func run(_ path: String, _ arguments: [String]) throws -> (code: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = root
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errorData = Locked()
        let reader = Thread { errorData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while errorData.get() == nil { usleep(1000) }
        return (
            process.terminationStatus, String(decoding: output, as: UTF8.self),
            String(decoding: errorData.get() ?? Data(), as: UTF8.self)
        )
    }

    final class Locked: @unchecked Sendable {
        private let lock = NSLock()
        private var data: Data?
        func set(_ value: Data) { lock.withLock { data = value } }
        func get() -> Data? { lock.withLock { data } }
    }

    static func checker(_ folders: [String]) throws -> (code: Int32, out: String, err: String) {
        try run("/usr/bin/python3", [root.appendingPathComponent("scripts/lib/check_lambda_package.py").path] + folders)
    }

    @Test(arguments: ["register-card", "accrue", "deliver"])
    func theBuiltPackagesPassTheChecker(name: String) throws {
        let folder = try Self.packages.appendingPathComponent(name)
        let result = try Self.checker([folder.path])
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out.contains("at most GLIBC_2.34, every library resolved"))
        // libpq and libcurl are bundled, libstdc++ and libgcc_s are not needed at all.
        let libraries = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("lib").path)
        #expect(libraries.contains("libpq.so.5"))
        #expect(libraries.contains("libcurl.so.4"))
        #expect(!libraries.contains("libstdc++.so.6"))
        #expect(!libraries.contains("libgcc_s.so.1"))
        #expect(FileManager.default.fileExists(atPath: try Self.packages.appendingPathComponent("\(name).zip").path))
    }

    /// A package that regresses (an executable that needs hypotf@GLIBC_2.35, a library that needs one
    /// outside the package) is refused, naming the file and the symbol or library; the same
    /// executable linked with Runtime/CGlibcCompat's wrapper passes.
    @Test func theCheckerRefusesARegressingPackage() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("puntos-bad-package-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("lib"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = folder.appendingPathComponent("main.c")
        try #"""
        #include <math.h>
        #include <stdio.h>
        int main(int argc, char **argv) { (void)argv; printf("%f\n", (double)hypotf((float)argc, 2.0f)); return 0; }
        """#.write(to: source, atomically: true, encoding: .utf8)
        let helper = folder.appendingPathComponent("helper.c")
        try "#include <zlib.h>\nconst char *helper(void) { return zlibVersion(); }\n".write(
            to: helper, atomically: true, encoding: .utf8)
        let bootstrap = folder.appendingPathComponent("bootstrap").path
        var built = try Self.run("/usr/bin/cc", ["-O0", "-o", bootstrap, source.path, "-lm"])
        #expect(built.code == 0, "\(built.err)")
        built = try Self.run(
            "/usr/bin/cc", ["-shared", "-fPIC", "-o", folder.appendingPathComponent("lib/libhelper.so").path, helper.path, "-lz"])
        #expect(built.code == 0, "\(built.err)")

        let refused = try Self.checker([folder.path])
        #expect(refused.code == 65)
        #expect(refused.err.contains("/bootstrap: requires hypotf@GLIBC_2.35"), "\(refused.err)")
        #expect(refused.err.contains("/lib/libhelper.so: needs libz.so.1"), "\(refused.err)")

        // The fix, as every Puntos executable has it: the reference wrapped and pinned to GLIBC_2.2.5.
        try FileManager.default.removeItem(at: folder.appendingPathComponent("lib/libhelper.so"))
        built = try Self.run(
            "/usr/bin/cc",
            [
                "-O0", "-o", bootstrap, source.path,
                Self.root.appendingPathComponent("Runtime/CGlibcCompat/GlibcCompat.c").path,
                "-I", Self.root.appendingPathComponent("Runtime/CGlibcCompat/include").path, "-Wl,--wrap=hypotf", "-lm",
            ])
        #expect(built.code == 0, "\(built.err)")
        let accepted = try Self.checker([folder.path])
        #expect(accepted.code == 0, "\(accepted.err)")
        #expect(try Self.run(bootstrap, []).out == "2.236068\n")
    }

    // MARK: the bootstrap in an empty root

    struct Call {
        var call: String
        var id: String?
        var type: String?
        var body: Any?
    }

    struct Run {
        var exit: Int
        var stderr: String
        var calls: [Call]
        var initMilliseconds: Double?

        func answer(_ id: String) -> [String: Any]? {
            calls.first { $0.call == "response" && $0.id == id }?.body as? [String: Any]
        }
    }

    static func runInEmptyRoot(
        _ name: String, events: [Any], databaseURL: String, variables: [String] = []
    ) throws -> Run {
        let eventsFile = FileManager.default.temporaryDirectory.appendingPathComponent("puntos-events-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: events).write(to: eventsFile)
        defer { try? FileManager.default.removeItem(at: eventsFile) }
        let result = try run(
            "/usr/bin/python3",
            [
                root.appendingPathComponent("Tests/Fixtures/lambda_root.py").path, "--zip",
                try packages.appendingPathComponent("\(name).zip").path, "--events", eventsFile.path, "--database-url",
                databaseURL,
            ] + variables.flatMap { ["--env", $0] })
        guard result.code == 0, let object = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any]
        else { throw Missing(description: "lambda_root.py failed (\(result.code)): \(result.err)") }
        let calls = (object["calls"] as? [[String: Any]] ?? []).map {
            Call(call: $0["call"] as? String ?? "", id: $0["id"] as? String, type: $0["type"] as? String, body: $0["body"])
        }
        return Run(
            exit: object["exit"] as? Int ?? -1, stderr: object["stderr"] as? String ?? "", calls: calls,
            initMilliseconds: object["init_ms"] as? Double)
    }

    static func http(_ routeKey: String, path: String, body: String) -> [String: Any] {
        let method = String(routeKey.split(separator: " ")[0])
        return [
            "version": "2.0", "routeKey": routeKey, "rawPath": path, "rawQueryString": "",
            "headers": ["content-type": "application/json", "x-puntos-caller": "pos"],
            "requestContext": [
                "accountId": "000000000000", "apiId": "api1", "domainName": "api1.execute-api.us-east-1.amazonaws.com",
                "http": ["method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "pos"],
                "requestId": "r-\(UUID().uuidString)", "routeKey": routeKey, "stage": "$default", "timeEpoch": 1_764_600_000_000,
            ],
            "body": body, "isBase64Encoded": false,
        ]
    }

    static func sqs(_ bodies: [(id: String, body: String)]) -> [String: Any] {
        [
            "Records": bodies.map { message in
                [
                    "messageId": message.id, "receiptHandle": "handle-\(message.id)", "body": message.body,
                    "attributes": ["ApproximateReceiveCount": "1", "SentTimestamp": "1764600000000"],
                    "messageAttributes": [:] as [String: Any], "md5OfBody": "", "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:AccrueQueue", "awsRegion": "us-east-1",
                ] as [String: Any]
            }
        ]
    }

    static func schedule(detail: [String: Any]) -> [String: Any] {
        [
            "version": "0", "id": UUID().uuidString, "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "000000000000", "time": "2026-12-02T08:00:00Z", "region": "us-east-1",
            "resources": ["arn:aws:events:us-east-1:000000000000:rule/puntos-sweep"], "detail": detail,
        ]
    }

    static func json(_ text: Any?) -> [String: Any]? {
        guard let text = text as? String else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    }

    static func failures(_ answer: [String: Any]?) -> [String] {
        (answer?["batchItemFailures"] as? [[String: Any]] ?? []).compactMap { $0["itemIdentifier"] as? String }
    }

    @Test func registerCardRunsWithNothingButGlibc() throws {
        let customer = TestDatabase.unique("lambda-card")
        let issue = #"{"idempotency_key":"\#(customer)","customer":{"external_id":"\#(customer)"}}"#
        let run = try Self.runInEmptyRoot(
            "register-card",
            events: [
                Self.http("POST /cards", path: "/cards", body: issue),
                Self.sqs([
                    ("m-good", #"{"kind":"issue","customer":{"external_id":"\#(customer)-2"}}"#), ("m-bad", "{not json"),
                ]),
                Self.schedule(detail: ["kind": "lookup", "external_id": customer]),
            ],
            databaseURL: try TestDatabase.url())
        #expect(run.calls.first?.call == "next", "\(run.stderr)")
        #expect(run.initMilliseconds != nil)
        let http = run.answer("req-0")
        #expect(http?["statusCode"] as? Int == 200, "\(run.stderr)")
        let card = Self.json(http?["body"])?["card"] as? [String: Any]
        let number = card?["number"] as? String
        #expect(number?.count == 16)
        #expect(Self.failures(run.answer("req-1")) == ["m-bad"])
        let looked = run.answer("req-2")?["card"] as? [String: Any]
        #expect(looked?["number"] as? String == number)
        #expect(run.exit == 0)  // the Runtime API went away after the last event: a clean exit
    }

    @Test func accrueRunsWithNothingButGlibc() throws {
        let customer = TestDatabase.unique("lambda-accrue")
        let issued = try FunctionProcess.run(
            "register-card", input: Data(#"{"kind":"issue","customer":{"external_id":"\#(customer)"}}"#.utf8))
        #expect(issued.exitCode == 0, "\(issued.stderrText)")
        func adjust(_ key: String, _ points: Int) -> String {
            #"{"kind":"adjust","idempotency_key":"\#(key)","external_id":"\#(customer)","points":\#(points),"reason":"lambda test"}"#
        }
        let run = try Self.runInEmptyRoot(
            "accrue",
            events: [
                Self.http("POST /adjustments", path: "/adjustments", body: adjust("\(customer)-1", 10)),
                Self.sqs([("a-good", adjust("\(customer)-2", 20)), ("a-bad", #"{"kind":"adjust","points":"many"}"#)]),
                Self.schedule(detail: [
                    "kind": "adjust", "idempotency_key": "\(customer)-3", "external_id": customer, "points": 5,
                    "reason": "lambda test",
                ]),
            ],
            databaseURL: try TestDatabase.url())
        #expect(run.answer("req-0")?["statusCode"] as? Int == 200, "\(run.stderr)")
        #expect(Self.failures(run.answer("req-1")) == ["a-bad"])
        #expect(run.answer("req-2") != nil, "\(run.stderr)")
        let balance = try FunctionProcess.run(
            "balance", input: Data(#"{"kind":"balance","external_id":"\#(customer)"}"#.utf8))
        #expect(balance.exitCode == 0, "\(balance.stderrText)")
        #expect(balance.stdoutText.contains(#""available":35"#), "\(balance.stdoutText)")
        #expect(run.exit == 0)
    }

    @Test func deliverRunsWithNothingButGlibc() throws {
        let run = try Self.runInEmptyRoot(
            "deliver",
            events: [
                Self.schedule(detail: [:]),
                Self.http("POST /deliver", path: "/deliver", body: #"{"kind":"run","limit":1}"#),
                Self.sqs([("d-good", #"{"kind":"run","limit":1}"#), ("d-bad", #"{"kind":"run","limit":"all"}"#)]),
            ],
            databaseURL: try TestDatabase.url(),
            // Besides the four Lambda variables, deliver's own setting, as deploy.yaml's Globals give it.
            variables: ["PUNTOS_SIGNING_SECRET=lambda-test-signing-key"])
        #expect(run.answer("req-0") != nil, "\(run.calls.map(\.call)) \(run.stderr)")
        #expect(run.answer("req-1")?["statusCode"] as? Int == 200, "\(run.stderr)")
        #expect(Self.failures(run.answer("req-2")) == ["d-bad"])
        #expect(run.exit == 0)
    }

    @Test func aWrongDatabaseURLIsAnInitError() throws {
        var components = URLComponents(string: try TestDatabase.url())!
        components.path = "/no_such_database_\(UUID().uuidString.prefix(8).lowercased())"
        let run = try Self.runInEmptyRoot("register-card", events: [[String: Any]()], databaseURL: components.string!)
        let initError = run.calls.first { $0.call == "init_error" }
        #expect(initError?.type == "Puntos.configuration", "\(run.calls.map(\.call)) \(run.stderr)")
        #expect(((initError?.body as? [String: Any])?["errorMessage"] as? String)?.contains("does not exist") == true)
        #expect(!run.calls.contains { $0.call == "next" })
        #expect(run.exit == 78)
    }
}
