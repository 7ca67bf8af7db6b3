import Foundation
import Yams

/// What `puntos up` runs, read from the SAM template `deploy.yaml`: the same file that deploys to AWS.
///
/// Understood: `Parameters` (defaults, overridden by the environment variable of the parameter's
/// name in upper snake case, `DatabaseUrl` -> `DATABASE_URL`, or by `--parameter Name=Value`),
/// `Globals.Function`, `AWS::Serverless::Function` (`CodeUri`'s last folder names the executable,
/// `Timeout`, `Environment.Variables`, `Metadata.Puntos.Workers`) with `HttpApi`, `SQS` and `Schedule`
/// events, and `AWS::SQS::Queue` (`VisibilityTimeout`, `RedrivePolicy.maxReceiveCount`).
struct Template: Sendable {
    struct Route: Sendable, Equatable {
        /// `POST`, `GET`, … or `ANY`.
        var method: String
        /// `/cards/{card_number}`
        var path: String
        /// `Auth: {Authorizer: NONE}`: no webhook signature needed (unsubscribe links).
        var isPublic: Bool
        var routeKey: String { "\(method) \(path)" }
    }

    struct QueueSource: Sendable, Equatable {
        var queue: String
        var batchSize: Int
        var reportsBatchItemFailures: Bool
        var maximumConcurrency: Int?
    }

    struct Schedule: Sendable, Equatable {
        /// `FunctionLogicalId.EventName`, unique in the template.
        var name: String
        var expression: String
        /// The event to send instead of an EventBridge scheduled event (`Input`).
        var input: String?
        var enabled: Bool
    }

    struct Function: Sendable {
        var logicalId: String
        /// The executable, as users type it: `register-card`.
        var name: String
        var timeoutSeconds: Int
        var memoryMegabytes: Int
        var workers: Int
        var environment: [String: String]
        var routes: [Route]
        var queues: [QueueSource]
        var schedules: [Schedule]
    }

    struct Queue: Sendable, Equatable {
        var logicalId: String
        var visibilityTimeoutSeconds: Int
        /// After this many receives a failing message moves to the dead letters; nil retries for ever.
        var maxReceiveCount: Int?
        /// The dead-letter queue's logical id, for display.
        var deadLetterQueue: String?
    }

    var functions: [Function]
    var queues: [String: Queue]
    var parameters: [String: String]

    func function(named name: String) -> Function? {
        functions.first { $0.name == name || $0.logicalId == name }
            ?? functions.first { $0.name.lowercased() == name.lowercased() || $0.logicalId.lowercased() == name.lowercased() }
    }

    func queue(named name: String) -> Queue? {
        queues[name] ?? queues.values.first { $0.logicalId.lowercased() == name.lowercased() }
    }

    /// `DatabaseUrl` -> `DATABASE_URL`.
    static func environmentName(ofParameter name: String) -> String {
        var output = ""
        for (index, character) in name.enumerated() {
            if character.isUppercase, index > 0 { output += "_" }
            output += character.uppercased()
        }
        return output
    }

    static func load(
        path: String, overrides: [String: String] = [:],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Template {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let node = try Yams.compose(yaml: text) else { throw TemplateError("\(path) is empty") }
        return try parse(TemplateValue(node), overrides: overrides, environment: environment)
    }

    static func parse(_ root: TemplateValue, overrides: [String: String], environment: [String: String]) throws(TemplateError)
        -> Template
    {
        var parameters: [String: String] = [:]
        for (name, declaration) in root["Parameters"]?.map ?? [:] {
            if let value = overrides[name] ?? environment[environmentName(ofParameter: name)] {
                parameters[name] = value
            } else if case .string(let value)? = declaration["Default"] {
                parameters[name] = value
            } else {
                parameters[name] = ""
            }
        }
        let resources = root["Resources"]?.map ?? [:]
        var names: [String: String] = [:]
        for (logicalId, resource) in resources {
            if case .string("AWS::Serverless::Function")? = resource["Type"] {
                names[logicalId] = executableName(logicalId: logicalId, properties: resource["Properties"]?.map ?? [:])
            } else {
                names[logicalId] = logicalId
            }
        }
        let resolver = TemplateResolver(parameters: parameters, resources: names)
        let globals = root["Globals"]?["Function"]?.map ?? [:]

        var queues: [String: Queue] = [:]
        for (logicalId, resource) in resources {
            guard case .string("AWS::SQS::Queue")? = resource["Type"] else { continue }
            let properties = resource["Properties"]?.map ?? [:]
            let path = "Resources.\(logicalId)"
            var deadLetter: String?
            if case .getAtt(let target, _)? = properties["RedrivePolicy"]?["deadLetterTargetArn"] { deadLetter = target }
            queues[logicalId] = Queue(
                logicalId: logicalId,
                visibilityTimeoutSeconds: try resolver.int(properties["VisibilityTimeout"], at: path + ".VisibilityTimeout")
                    ?? 30,
                maxReceiveCount: try resolver.int(
                    properties["RedrivePolicy"]?["maxReceiveCount"], at: path + ".RedrivePolicy.maxReceiveCount"),
                deadLetterQueue: deadLetter)
        }

        var functions: [Function] = []
        for (logicalId, resource) in resources.sorted(by: { $0.key < $1.key }) {
            guard case .string("AWS::Serverless::Function")? = resource["Type"] else { continue }
            let properties = resource["Properties"]?.map ?? [:]
            let path = "Resources.\(logicalId).Properties"
            func property(_ key: String) -> TemplateValue? { properties[key] ?? globals[key] }
            var environmentVariables: [String: String] = [:]
            for source in [globals["Environment"]?["Variables"], properties["Environment"]?["Variables"]] {
                for (key, value) in source?.map ?? [:] {
                    environmentVariables[key] = try resolver.string(value, at: "\(path).Environment.Variables.\(key)") ?? ""
                }
            }
            var function = Function(
                logicalId: logicalId, name: names[logicalId]!,
                timeoutSeconds: try resolver.int(property("Timeout"), at: path + ".Timeout") ?? 3,
                memoryMegabytes: try resolver.int(property("MemorySize"), at: path + ".MemorySize") ?? 128,
                workers: try resolver.int(
                    resource["Metadata"]?["Puntos"]?["Workers"], at: "Resources.\(logicalId).Metadata.Puntos.Workers") ?? 2,
                environment: environmentVariables, routes: [], queues: [], schedules: [])
            for (eventName, event) in (properties["Events"]?.map ?? [:]).sorted(by: { $0.key < $1.key }) {
                let eventPath = "\(path).Events.\(eventName)"
                let eventProperties = event["Properties"] ?? .map([:])
                switch try resolver.string(event["Type"], at: eventPath + ".Type") {
                case "HttpApi":
                    let method = (try resolver.string(eventProperties["Method"], at: eventPath + ".Method") ?? "ANY").uppercased()
                    guard let routePath = try resolver.string(eventProperties["Path"], at: eventPath + ".Path") else {
                        throw TemplateError("\(eventPath): an HttpApi event needs a Path")
                    }
                    let authorizer = try resolver.string(
                        eventProperties["Auth"]?["Authorizer"], at: eventPath + ".Auth.Authorizer")
                    function.routes.append(
                        Route(
                            method: method == "X-AMAZON-APIGATEWAY-ANY-METHOD" ? "ANY" : method,
                            path: routePath, isPublic: authorizer == "NONE"))
                case "SQS":
                    guard case .getAtt(let queue, _)? = eventProperties["Queue"], queues[queue] != nil else {
                        throw TemplateError("\(eventPath).Queue must be !GetAtt of an AWS::SQS::Queue in the template")
                    }
                    let reports =
                        eventProperties["FunctionResponseTypes"]?.list.contains(.string("ReportBatchItemFailures")) ?? false
                    function.queues.append(
                        QueueSource(
                            queue: queue,
                            batchSize: try resolver.int(eventProperties["BatchSize"], at: eventPath + ".BatchSize") ?? 10,
                            reportsBatchItemFailures: reports,
                            maximumConcurrency: try resolver.int(
                                eventProperties["ScalingConfig"]?["MaximumConcurrency"],
                                at: eventPath + ".ScalingConfig.MaximumConcurrency")))
                case "Schedule", "ScheduleV2":
                    let key = eventProperties["Schedule"] != nil ? "Schedule" : "ScheduleExpression"
                    guard let expression = try resolver.string(eventProperties[key], at: "\(eventPath).\(key)") else {
                        throw TemplateError("\(eventPath): a Schedule event needs a Schedule expression")
                    }
                    let state = try resolver.string(eventProperties["State"], at: eventPath + ".State")
                    let enabled =
                        try resolver.bool(eventProperties["Enabled"], at: eventPath + ".Enabled")
                        ?? (state.map { $0 == "ENABLED" } ?? true)
                    function.schedules.append(
                        Schedule(
                            name: "\(logicalId).\(eventName)", expression: expression,
                            input: try resolver.string(eventProperties["Input"], at: eventPath + ".Input"), enabled: enabled))
                default:
                    continue  // other event types are AWS's business
                }
            }
            functions.append(function)
        }
        return Template(functions: functions, queues: queues, parameters: parameters)
    }

    /// `CodeUri: .build/lambda/register-card/` -> `register-card`; without one, the logical id.
    static func executableName(logicalId: String, properties: [String: TemplateValue]) -> String {
        if case .string(let uri)? = properties["CodeUri"] {
            if let last = uri.split(separator: "/").last(where: { !$0.isEmpty && $0 != "." }) {
                return String(last.hasSuffix(".zip") ? last.dropLast(4) : last)
            }
        }
        return logicalId
    }
}
