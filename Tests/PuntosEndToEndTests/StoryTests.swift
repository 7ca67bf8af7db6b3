import Foundation
import PuntosPostgres
import PuntosTestSupport
import Testing

/// Runs the built executables as a user would.
@Suite(.serialized) struct StoryTests {
    struct Step {
        let function: String
        let file: String
    }

    /// The steps of events/story.txt, in order.
    static func story() throws -> [Step] {
        let text = try String(contentsOf: FunctionProcess.projectRoot.appendingPathComponent("events/story.txt"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count == 2, !line.hasPrefix("#") else { return nil }
            return Step(function: String(fields[0]), file: String(fields[1]))
        }
    }

    /// Files story.txt names as `# example: FILE (why it cannot be played as it is)`.
    static func examples() throws -> Set<String> {
        let text = try String(contentsOf: FunctionProcess.projectRoot.appendingPathComponent("events/story.txt"), encoding: .utf8)
        return Set(
            text.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("# example: ") else { return nil }
                return line.dropFirst("# example: ".count).split(separator: " ").first.map(String.init)
            })
    }

    /// Functions that need a signing key for their links get a test one.
    static let environment = ["PUNTOS_SIGNING_SECRET": "story-test-signing-secret"]

    @Test func everySampleEventIsInTheStory() throws {
        let files = try FileManager.default.contentsOfDirectory(
            atPath: FunctionProcess.projectRoot.appendingPathComponent("events").path
        )
        .filter { $0.hasSuffix(".json") }
        let known = Set(try Self.story().map(\.file)).union(try Self.examples())
        for file in files {
            #expect(known.contains(file), "events/\(file) is neither played by events/story.txt nor listed there as an example")
        }
    }

    /// Every step succeeds, and succeeds again when repeated; a step with an idempotency key answers
    /// the repeat with exactly its first answer.
    @Test func theStorySucceedsAndRepeatsSafely() throws {
        for step in try Self.story() {
            let event = try Data(contentsOf: FunctionProcess.projectRoot.appendingPathComponent("events/\(step.file)"))
            let first = try FunctionProcess.run(step.function, input: event, environment: Self.environment)
            #expect(first.exitCode == 0, "\(step.function) < \(step.file): \(first.stderrText)")
            #expect(first.json != nil, "\(step.file) answered with no JSON object")
            let second = try FunctionProcess.run(
                step.function, arguments: ["--event", "events/\(step.file)"],
                environment: Self.environment)
            #expect(second.exitCode == 0, "\(step.function) --event \(step.file): \(second.stderrText)")
            if String(decoding: event, as: UTF8.self).contains("\"idempotency_key\"") {
                #expect(first.stdoutText == second.stdoutText, "\(step.file) answered differently the second time")
            }
        }
    }
}

@Suite struct BadInputTests {
    func database() throws -> Database { try TestDatabase.make() }

    /// Runs register-card and checks that the customer `marker` was not created.
    func refuse(_ input: Data, code: String, field: String, marker: String) throws {
        let outcome = try FunctionProcess.run("register-card", input: input)
        #expect(outcome.exitCode == 65, "\(outcome.stderrText)")
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.error?["code"] as? String == code, "\(outcome.stderrText)")
        #expect(outcome.error?["field"] as? String == field, "\(outcome.stderrText)")
        let created = try database().withConnection {
            try $0.query("SELECT count(*) AS n FROM customers WHERE external_id = \(marker)").one().decode("n", as: Int.self)
        }
        #expect(created == 0)
    }

    @Test func malformedJSON() throws {
        let marker = TestDatabase.unique("E")
        try refuse(
            Data(#"{"kind":"issue","customer":{"external_id":"\#(marker)""#.utf8), code: "invalid_json", field: "$",
            marker: marker)
    }

    @Test func aMissingField() throws {
        let marker = TestDatabase.unique("E")
        try refuse(
            Data(#"{"kind":"link","customer":{"external_id":"\#(marker)"}}"#.utf8), code: "missing_field", field: "card_number",
            marker: marker)
    }

    @Test func aWrongType() throws {
        let marker = TestDatabase.unique("E")
        try refuse(
            Data(#"{"kind":"issue","customer":{"external_id":"\#(marker)","phone":5551234}}"#.utf8),
            code: "wrong_type", field: "customer.phone", marker: marker)
    }

    @Test func anUnknownKind() throws {
        let marker = TestDatabase.unique("E")
        try refuse(
            Data(#"{"kind":"issue_card","customer":{"external_id":"\#(marker)"}}"#.utf8), code: "unknown_kind", field: "kind",
            marker: marker)
    }

    @Test func aTenMegabyteBody() throws {
        let marker = TestDatabase.unique("E")
        var body = Data(#"{"kind":"issue","customer":{"external_id":"\#(marker)","name":""#.utf8)
        body.append(Data(repeating: 0x61, count: 10 * 1024 * 1024))
        body.append(Data(#""}}"#.utf8))
        try refuse(body, code: "event_too_large", field: "$", marker: marker)
    }

    @Test func invalidUTF8() throws {
        let marker = TestDatabase.unique("E")
        var body = Data(#"{"kind":"issue","customer":{"external_id":"\#(marker)","name":""#.utf8)
        body.append(contentsOf: [0xC3, 0x28])
        body.append(Data(#""}}"#.utf8))
        try refuse(body, code: "invalid_utf8", field: "$", marker: marker)
    }

    @Test func anUnreachableDatabaseExits75QuicklyAndSaysWhy() throws {
        let started = Date()
        let outcome = try FunctionProcess.run(
            "register-card", input: Data(#"{"kind":"lookup","external_id":"x"}"#.utf8),
            environment: ["DATABASE_URL": "postgresql://postgres@127.0.0.1:1/puntos", "PUNTOS_CONNECT_TIMEOUT_S": "2"])
        #expect(outcome.exitCode == 75)
        #expect(outcome.error?["code"] as? String == "database_unavailable")
        #expect((outcome.error?["message"] as? String)?.contains("DATABASE_URL") == true)
        #expect(Date().timeIntervalSince(started) < 30)
    }

    @Test func usageErrorsAndHelp() throws {
        let help = try FunctionProcess.run("register-card", arguments: ["--help"])
        #expect(help.exitCode == 0)
        #expect(help.stdoutText.contains("usage: register-card"))
        let wrong = try FunctionProcess.run("register-card", arguments: ["--frobnicate"])
        #expect(wrong.exitCode == 64)
        let missingFile = try FunctionProcess.run("register-card", arguments: ["--event", "/no/such/file.json"])
        #expect(missingFile.exitCode == 65)
        #expect(missingFile.error?["field"] as? String == "--event")
    }
}

@Suite struct EnvelopeEndToEndTests {
    @Test func anAPIGatewayRequestGetsAStatusAndBody() throws {
        let marker = TestDatabase.unique("H")
        let body = #"{\"customer\":{\"external_id\":\"\#(marker)\"}}"#
        let request = """
            {"version":"2.0","routeKey":"POST /cards","rawPath":"/cards","headers":{"content-type":"application/json"},
             "requestContext":{"requestId":"req-1","http":{"method":"POST","path":"/cards"}},"body":"\(body)","isBase64Encoded":false}
            """
        let outcome = try FunctionProcess.run("register-card", input: Data(request.utf8))
        #expect(outcome.exitCode == 0, "\(outcome.stderrText)")
        #expect(outcome.json?["statusCode"] as? Int == 200)
        let card = try JSONSerialization.jsonObject(with: Data((outcome.json?["body"] as? String ?? "").utf8)) as? [String: Any]
        #expect((card?["customer"] as? [String: Any])?["external_id"] as? String == marker)

        let lookup = """
            {"version":"2.0","routeKey":"GET /cards/{card_number}","rawPath":"/cards/7789000000000011",
             "pathParameters":{"card_number":"7789000000000011"},"requestContext":{"requestId":"req-2"}}
            """
        let refused = try FunctionProcess.run("register-card", input: Data(lookup.utf8))
        #expect(refused.json?["statusCode"] as? Int == 400)
    }

    @Test func anSQSBatchNamesOnlyTheFailedMessages() throws {
        let good = TestDatabase.unique("Q")
        let batch = """
            {"Records":[
              {"messageId":"ok-1","eventSource":"aws:sqs","body":"{\\"kind\\":\\"issue\\",\\"customer\\":{\\"external_id\\":\\"\(good)\\"}}"},
              {"messageId":"bad-1","eventSource":"aws:sqs","body":"{\\"kind\\":\\"issue\\",\\"customer\\":{}}"}]}
            """
        let outcome = try FunctionProcess.run("register-card", input: Data(batch.utf8))
        #expect(outcome.exitCode == 0, "\(outcome.stderrText)")
        let failures = outcome.json?["batchItemFailures"] as? [[String: Any]]
        #expect(failures?.compactMap { $0["itemIdentifier"] as? String } == ["bad-1"])
        let lookup = try FunctionProcess.run("register-card", input: Data(#"{"kind":"lookup","external_id":"\#(good)"}"#.utf8))
        #expect(lookup.exitCode == 0)
    }
}

@Suite struct MigrateCommandTests {
    @Test func migratingTwiceChangesNothing() throws {
        let scratch = try TestDatabase.scratch()
        defer { scratch.drop() }
        let first = try FunctionProcess.run(
            "puntos", arguments: ["migrate", "--dir", "migrations"], environment: ["DATABASE_URL": scratch.url])
        #expect(first.exitCode == 0, "\(first.stderrText)")
        #expect(first.stdoutText.contains("applied 0001 foundation"))
        let second = try FunctionProcess.run(
            "puntos", arguments: ["migrate", "--dir", "migrations"], environment: ["DATABASE_URL": scratch.url])
        #expect(second.exitCode == 0)
        #expect(second.stdoutText.hasPrefix("0 applied"))
        let unreachable = try FunctionProcess.run(
            "puntos", arguments: ["migrate"],
            environment: ["DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none"])
        #expect(unreachable.exitCode == 75)
        #expect(unreachable.stderrText.contains("cannot connect"))
    }
}
