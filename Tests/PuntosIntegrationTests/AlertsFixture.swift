import Foundation
import PuntosAlerts
import PuntosCards
import PuntosCore
import PuntosDelivery
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// A programme of its own (so that tests in parallel never see each other's notices), its
/// customers, and the handlers run in process against the test database.
struct AlertsFixture {
    static let secret = "test-signing-secret"
    let programme: String
    let database: Database
    let links = AlertsConfiguration(signingSecret: AlertsFixture.secret, publicURL: "https://shop.example")

    init() throws {
        database = try TestDatabase.make()
        programme = TestDatabase.unique("alerts")
        try database.withConnection { connection in
            try connection.query("INSERT INTO programmes (id, name, currency) VALUES (\(programme), 'Alerts test', 'USD')")
        }
    }

    func context(_ now: Date = Date()) -> FunctionContext {
        FunctionContext.make(database: database, logger: TestDatabase.logger, now: now)
    }

    @discardableResult
    func customer(_ name: String, email: Bool = true, phone: String? = nil, locale: String = "en") throws -> Int64 {
        let address = email ? "\(name.lowercased())-\(UUID().uuidString.prefix(8).lowercased())@example.com" : nil
        return try database.withConnection { connection in
            try connection.query(
                """
                INSERT INTO customers (programme_id, external_id, email, phone, name, locale)
                VALUES (\(programme), \(TestDatabase.unique(name)), \(address), \(phone), \(name), \(locale)) RETURNING id
                """
            ).one().decode("id")
        }
    }

    func scalar<T: PostgresDecodable>(_ sql: SQL, as type: T.Type = Int.self) throws -> T {
        try database.withConnection { try $0.query(sql).one().decode("value") }
    }

    func execute(_ sql: SQL) throws {
        try database.withConnection { _ = try $0.query(sql) }
    }

    func subscribe(_ json: String, now: Date = Date()) throws -> SubscribeOutput {
        var object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        object["programme"] = programme
        let data = try JSONSerialization.data(withJSONObject: object)
        let event = try EventDecoding.decode(SubscribeEvent.self, from: data)
        return try Subscribe(configuration: links).handle(event, context: context(now))
    }

    func prices(_ items: [NotifyPriceDropEvent.Item], currency: String = "USD", store: String = "web", now: Date = Date()) throws
        -> NotifyPriceDropOutput
    {
        try NotifyPriceDrop().handle(
            NotifyPriceDropEvent(programme: programme, store: store, currency: currency, items: items),
            context: context(now))
    }

    func stock(_ sku: String, _ quantity: Int, now: Date = Date()) throws -> NotifyStockOutput {
        try NotifyStock().handle(
            .stock(.init(programme: programme, store: "web", items: [.init(sku: sku, quantity: quantity)])),
            context: context(now))
    }

    func deliveryConfiguration(smtpPort: Int? = nil) -> DeliveryConfiguration {
        var configuration = DeliveryConfiguration()
        configuration.smtp = smtpPort.map { SMTPConfiguration(url: "smtp://127.0.0.1:\($0)", timeoutSeconds: 5) }
        configuration.mailFrom = "Shop <alerts@shop.example>"
        configuration.links = links
        configuration.quietHours = nil
        return configuration
    }

    func deliver(_ configuration: DeliveryConfiguration, now: Date = Date()) throws -> DeliverOutput {
        try Deliver(configuration: configuration, random: { 0.5 }).handle(
            DeliverEvent(programme: programme), context: context(now))
    }

    /// Notices of this programme as (kind, customer id or e-mail, status).
    func notices() throws -> [(kind: String, customer: Int64?, email: String?, status: String)] {
        try database.withConnection { connection in
            try connection.query(
                "SELECT kind, customer_id, email, status FROM notices WHERE programme_id = \(programme) ORDER BY id"
            )
            .map {
                (
                    try $0.decode("kind"), try $0.decodeIfPresent("customer_id"), try $0.decodeIfPresent("email"),
                    try $0.decode("status")
                )
            }
        }
    }
}

/// A Python fixture server (Tests/Fixtures) run for one test: an SMTP sink or an HTTP receiver.
final class FixtureServer {
    let process: Process
    let port: Int
    let folder: URL

    private init(script: String, arguments: [String], folder: URL) throws {
        self.folder = folder
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["PUNTOS_PYTHON"] ?? "/usr/bin/python3")
        process.arguments =
            [FunctionProcess.projectRoot.appendingPathComponent("Tests/Fixtures/\(script)").path, "--dir", folder.path]
            + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(10) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw FixtureError(description: "\(script) did not start (is python3-aiosmtpd installed?)")
        }
        self.process = process
        self.port = port
    }

    struct FixtureError: Error, CustomStringConvertible { let description: String }

    static func smtp(port: Int? = nil, reject: [String] = [], folder: URL? = nil) throws -> FixtureServer {
        let folder = try folder ?? makeFolder()
        var arguments = ["--reject", reject.joined(separator: ",")]
        if let port { arguments += ["--port", String(port)] }
        return try FixtureServer(script: "smtp_sink.py", arguments: arguments, folder: folder)
    }

    static func http(secret: String) throws -> FixtureServer {
        try FixtureServer(script: "http_sink.py", arguments: ["--secret", secret], folder: try makeFolder())
    }

    /// A payout provider (Tests/Fixtures/payout_provider.py): it keeps what it was sent in `requests/`,
    /// what it paid in `payments/` and the answers to its callbacks in `callbacks/` (see `received(_:)`).
    static func payoutProvider(secret: String, arguments: [String] = []) throws -> FixtureServer {
        try FixtureServer(
            script: "payout_provider.py", arguments: ["--secret", secret] + arguments, folder: try makeFolder())
    }

    private static func makeFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("puntos-fixture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// SIGKILL: a child of the test runner may inherit a signal mask that blocks SIGTERM.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }

    /// Everything received so far, as the fixture parsed it.
    func received(_ subfolder: String? = nil) throws -> [[String: Any]] {
        let folder = subfolder.map { self.folder.appendingPathComponent($0) } ?? folder
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .map { try JSONSerialization.jsonObject(with: Data(contentsOf: $0)) as! [String: Any] }
    }
}
