import Foundation
import PuntosAlerts
import PuntosCards
import PuntosCore
import PuntosData
import PuntosDelivery
import PuntosLedger
import PuntosOrganisations
import PuntosRewards
import PuntosRuntime
import PuntosTestSupport
import Synchronization
import Testing

@testable import puntos

/// The pure parts of `puntos up`: template, routes, schedules, signatures, backoff.
@Suite struct LocalRuntimeUnitTests {
    static func template() throws -> Template {
        try Template.load(
            path: FunctionProcess.projectRoot.path + "/deploy.yaml", environment: ["DATABASE_URL": "postgresql://x/y"])
    }

    @Test func deployYAMLDescribesEveryFunction() throws {
        let template = try Self.template()
        let packaged = try PackageManifest.functions()
        #expect(packaged.count >= 12, "Package.swift's function list was not found")
        // One list of functions: Package.swift builds what deploy.yaml deploys, no more, no less.
        #expect(Set(template.functions.map(\.name)) == Set(packaged.map(\.name)))
        #expect(template.parameters["DatabaseUrl"] == "postgresql://x/y")  // from DATABASE_URL
        let accrue = try #require(template.function(named: "accrue"))
        #expect(accrue.queues.first?.reportsBatchItemFailures == true)
        #expect(template.queues[accrue.queues.first!.queue]?.maxReceiveCount == 5)
        #expect(accrue.environment["DATABASE_URL"] == "postgresql://x/y")  // Globals, !Ref resolved
        #expect(try #require(template.function(named: "expire")).schedules.first?.expression == "rate(5 minutes)")
        #expect(try #require(template.function(named: "unsubscribe")).routes.first?.isPublic == true)
        #expect(try #require(template.function(named: "register-card")).routes.allSatisfy { !$0.isPublic })
    }

    @Test func metricLabelsAreSortedAndEscaped() throws {
        #expect(Metrics.labels([:]) == "")
        #expect(
            Metrics.labels(["route": "POST /cards", "function": "register-card"])
                == #"function="register-card",route="POST /cards""#)
        // Backslash, double quote and newline are escaped as the text format wants; nothing else is touched.
        #expect(Metrics.labels(["a": #"x\y"z"# + "\n" + "é"]) == #"a="x\\y\"z\né""#)
        let metrics = Metrics()
        metrics.increment("puntos_test_total", ["error": "say \"no\"\nnow"])
        metrics.increment("puntos_test_total", ["error": "say \"no\"\nnow"], by: 2)
        #expect(metrics.render().contains(#"puntos_test_total{error="say \"no\"\nnow"} 3"#))
    }

    /// The timers behind the body timeout, the worker watchdog and the bounded wait: one fires once,
    /// a cancelled one never does.
    @Test func aDeadlineFiresOnceUnlessCancelled() throws {
        let fired = DispatchSemaphore(value: 0)
        let count = Mutex(0)
        let deadline = Deadline(after: .milliseconds(20)) {
            count.withLock { $0 += 1 }
            fired.signal()
        }
        #expect(fired.wait(timeout: .now() + 10) == .success)
        deadline.cancel()  // after it fired: nothing
        let cancelled = Deadline(after: .milliseconds(100)) { count.withLock { $0 += 100 } }
        cancelled.cancel()
        Thread.sleep(forTimeInterval: 0.5)
        #expect(count.withLock { $0 } == 1)
    }

    @Test func intrinsicsResolve() throws {
        let resolver = TemplateResolver(parameters: ["Stage": "dev"], resources: ["Queue": "Queue"])
        #expect(try resolver.string(.sub("puntos-${Stage}-${AWS::Region}", [:]), at: "x") == "puntos-dev-local")
        #expect(try resolver.string(.sub("${Name}!", ["Name": .ref("Stage")]), at: "x") == "dev!")
        #expect(try resolver.string(.getAtt("Queue", "Arn"), at: "x")?.hasSuffix("Queue") == true)
        #expect(throws: TemplateError.self) { try resolver.string(.ref("Nope"), at: "x") }
    }

    @Test func routesMatchTheMostSpecificFirst() throws {
        let table = RouteTable(try Self.template().functions)
        guard case .found(let link) = table.match(method: "POST", path: "/cards/link") else { Issue.record("no match"); return }
        #expect(link.route.routeKey == "POST /cards/link")
        guard case .found(let agreement) = table.match(method: "POST", path: "/cards/7789000000000010/agreement") else {
            Issue.record("no match"); return
        }
        #expect(agreement.pathParameters == ["card_number": "7789000000000010"])
        guard case .found(let balance) = table.match(method: "GET", path: "/cards/123/balance") else {
            Issue.record("no match"); return
        }
        #expect(balance.function == "balance")
        if case .methodNotAllowed = table.match(method: "DELETE", path: "/cards") {} else { Issue.record("expected 405") }
        if case .notFound = table.match(method: "GET", path: "/nothing") {} else { Issue.record("expected 404") }
    }

    @Test func schedules() throws {
        let start = Date(timeIntervalSince1970: 1_763_840_000)  // 2025-11-22T19:33:20Z
        #expect(try ScheduleExpression("rate(5 minutes)").next(after: start) == Date(timeIntervalSince1970: 1_763_840_100))
        let cron = try ScheduleExpression("cron(15 3 * * ? *)")
        #expect(cron.next(after: start).map { Int($0.timeIntervalSince1970) } == 1_763_867_700)  // 2025-11-23T03:15Z
        let weekdays = try ScheduleExpression("cron(0/30 9-10 ? * MON-FRI *)")
        // 2025-11-22 is a Saturday: the next is Monday 2025-11-24 09:00.
        #expect(weekdays.next(after: start).map { Int($0.timeIntervalSince1970) } == 1_763_974_800)
        #expect(throws: TemplateError.self) { try ScheduleExpression("cron(0 0 * * * *)") }  // needs one ?
        #expect(throws: TemplateError.self) { try ScheduleExpression("every 5 minutes") }
    }
}

enum HMACSHA256Hex {
    static func code(_ message: Data, _ secret: String) -> String {
        HMACSHA256.authenticationCode(for: message, key: Data(secret.utf8)).hexString
    }
}

/// The `functions` list of Package.swift, read from its text (the manifest is a Swift program that
/// `swift package dump-package` would run, but that takes the build lock the tests run under).
enum PackageManifest {
    static func functions() throws -> [(name: String, modules: [String])] {
        let text = try String(contentsOfFile: FunctionProcess.projectRoot.path + "/Package.swift", encoding: .utf8)
        let start = try #require(text.range(of: "let functions: [(name: String, modules: [String])] = [\n"))
        let end = try #require(text.range(of: "\n]\n", range: start.upperBound..<text.endIndex))
        return try text[start.upperBound..<end.lowerBound].split(separator: "\n").map { line in
            let parts = line.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            let name = try #require(parts.first, "not a function entry: \(line)")
            return (name, Array(parts.dropFirst()))
        }
    }
}

@Suite struct PackageManifestTests {
    /// Every listed function has its folder, and its main.swift imports the modules it is listed with.
    @Test func everyFunctionHasItsFolderAndImportsItsModules() throws {
        for function in try PackageManifest.functions() {
            let main = try String(
                contentsOfFile: FunctionProcess.projectRoot.path + "/Functions/\(function.name)/main.swift", encoding: .utf8)
            #expect(!function.modules.isEmpty, "\(function.name) links no module")
            for module in function.modules {
                #expect(main.contains("import \(module)\n"), "Functions/\(function.name)/main.swift does not import \(module)")
            }
        }
    }
}

/// deploy.yaml and the handlers agree: every route a handler maps to an event kind is in the template
/// for that function, and the template routes nothing to a function that does not know the route.
@Suite struct DeployTemplateMatchesTheFunctions {
    @Test func routes() throws {
        let template = try LocalRuntimeUnitTests.template()
        let handlers: [(String, [String: String])] = [
            (RegisterCard.name, RegisterCard.httpRoutes), (Accrue.name, Accrue.httpRoutes), (Redeem.name, Redeem.httpRoutes),
            (Balance.name, Balance.httpRoutes), (Configure.name, Configure.httpRoutes), (Expire.name, Expire.httpRoutes),
            (Subscribe.name, Subscribe.httpRoutes), (Unsubscribe.name, Unsubscribe.httpRoutes),
            (NotifyPriceDrop.name, NotifyPriceDrop.httpRoutes), (NotifyStock.name, NotifyStock.httpRoutes),
            (MemberData.name, MemberData.httpRoutes), (Rewards.name, Rewards.httpRoutes),
            (Organisations.name, Organisations.httpRoutes), (EarnSweep.name, EarnSweep.httpRoutes),
        ]
        for (name, routes) in handlers {
            let function = try #require(template.function(named: name), "\(name) is not in deploy.yaml")
            #expect(Set(function.routes.map(\.routeKey)) == Set(routes.keys), "\(name): deploy.yaml and httpRoutes differ")
        }
    }
}
