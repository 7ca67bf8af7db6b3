import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PuntosCards
import PuntosCore
import PuntosDelivery
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

@testable import puntos

/// The gateway of `puntos up` over deploy.yaml's routes, in this process: register-card and
/// unsubscribe run their real handlers on the test database, `/forecast` (balance) goes to a
/// recorder, and the replay table is the test database's. No process is started.
struct GatewayHarness {
    /// How a test reaches the gateway: straight to the responder, or through a server on a free port.
    enum Tier: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case router, live
        var setup: TestingSetup { self == .router ? .router : .live }
        var testDescription: String { rawValue }
    }

    let recorder = RecordingFunction()
    let application: Application<Gateway>

    init(replayDatabaseURL: String? = nil) throws {
        let configuration = PostgresConfiguration(url: try TestDatabase.url(), applicationName: "puntos-gateway-tests")
        var replays = configuration
        if let replayDatabaseURL { replays.url = replayDatabaseURL }
        let template = try Template.load(path: FunctionProcess.projectRoot.appendingPathComponent("deploy.yaml").path)
        let secrets = LocalRuntime.secrets.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        let logger = Logger(label: "gateway-tests")
        let gateway = Gateway(
            template: template, routes: RouteTable(template.functions),
            functions: [
                RegisterCard.name: InProcessFunction(RegisterCard(), configuration: configuration),
                Unsubscribe.name: InProcessFunction(
                    Unsubscribe(configuration: AlertsConfiguration(signingSecret: "gateway-tests")), configuration: configuration),
                "balance": recorder,
            ],
            authenticator: WebhookAuthenticator(
                secrets: secrets,
                databases: DatabaseLanes(configuration: replays, label: "replays", count: 2, logger: logger)),
            queues: nil, health: { true }, metrics: Metrics(), logger: logger, maximumBodyBytes: 1_048_576,
            maximumWait: .seconds(5))
        application = Application(
            responder: gateway, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
    }

    /// Runs `test` against the gateway through `tier`.
    func test<Value: Sendable>(_ tier: Tier, _ test: @Sendable (any TestClientProtocol) async throws -> Value) async throws
        -> Value
    {
        try await application.test(tier.setup, test)
    }

    /// A POST signed as the caller `pos` signs it (or with `headers` given), and its answer.
    static func post(
        _ client: any TestClientProtocol, _ target: String, body: String, headers: HTTPFields? = nil
    ) async throws -> TestResponse {
        try await client.execute(
            uri: target, method: .post, headers: headers ?? signature(method: "POST", target: target, body: body),
            body: ByteBuffer(string: body))
    }

    /// The signature headers of a request, as a webhook caller computes them.
    static func signature(
        method: String, target: String, body: String = "", secret: String? = nil,
        timestamp: Int = Int(Date().timeIntervalSince1970)
    ) -> HTTPFields {
        var fields = HTTPFields()
        for header in LocalRuntime.signature(secret: secret, method: method, target: target, body: body, timestamp: timestamp) {
            fields[HTTPField.Name(header.name)!] = header.value
        }
        return fields
    }
}

extension TestResponse {
    /// `error.code` and `error.field` of a JSON error answer.
    var error: (code: String?, field: String?) {
        let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        let error = object?["error"] as? [String: Any]
        return (error?["code"] as? String, error?["field"] as? String)
    }

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]) ?? [:]
    }
}
