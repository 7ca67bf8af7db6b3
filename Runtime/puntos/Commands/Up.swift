import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PuntosPostgres
import PuntosRuntime
import ServiceLifecycle
import UnixSignals

/// `puntos up`: serves the whole bundle of deploy.yaml on this machine.
struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve deploy.yaml: HTTP routes, the invoke endpoint, queues and schedules on warm workers.")

    @Option(help: "The SAM template.") var template = "deploy.yaml"
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on.") var port = 3000
    @Option(help: "The folder of function executables (default: beside puntos).") var bin: String?
    @Option(help: "Override a template parameter: Name=Value (repeatable).") var parameter: [String] = []
    @Option(help: "Largest request body accepted, in bytes.") var maxBodyBytes = 1_048_576
    @Option(help: "How long a request body may take to arrive (408 after), and a silent connection stays open, in milliseconds.")
    var bodyTimeoutMs = 30_000
    @Option(help: "How long a request waits for a free worker before 503, in milliseconds.") var workerWaitMs = 2000
    @Option(help: "Events waiting for a worker per function, beyond which requests get 503 at once.") var maxPending = 256
    @Option(help: "First retry delay of a failed queue message, in milliseconds (doubles per receive).") var queueBackoffMs = 1000
    @Option(help: "The migrations folder applied at start.") var migrations = Migrate.defaultDirectory
    @Flag(help: "Do not apply migrations at start.") var noMigrate = false
    @Option(help: "Without DATABASE_URL: the folder of the embedded PostgreSQL.") var embeddedFolder = ".puntos/pgdata"
    @Option(help: "Without DATABASE_URL: the port of the embedded PostgreSQL.") var embeddedPort = 54320

    func run() async throws {
        JSONLogHandler.bootstrap(function: "puntos")
        let logger = Logger(label: "puntos.up")
        var overrides: [String: String] = [:]
        for item in parameter {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--parameter takes Name=Value, got \(item)") }
            overrides[parts[0]] = parts[1]
        }
        var template: Template
        do { template = try Template.load(path: self.template, overrides: overrides) } catch {
            throw ValidationError("\(self.template): \(error)")
        }
        // Confirm and unsubscribe links need a signing key: the template's, else PUNTOS_SIGNING_SECRET,
        // else one made for this run (links it signs stop working when puntos up restarts without it).
        if template.parameters["SigningSecret"]?.isEmpty == true {
            let given = ProcessInfo.processInfo.environment["PUNTOS_SIGNING_SECRET"] ?? ""
            overrides["SigningSecret"] = given.isEmpty ? SecureRandom.bytes(32).hexString : given
            if given.isEmpty {
                print(
                    "No SigningSecret given: links are signed with a key made for this run (set SIGNING_SECRET to keep links working across restarts)"
                )
            }
            do { template = try Template.load(path: self.template, overrides: overrides) } catch {
                throw ValidationError("\(self.template): \(error)")
            }
        }
        var environment = ProcessInfo.processInfo.environment
        if let url = template.parameters["DatabaseUrl"], !url.isEmpty { environment["DATABASE_URL"] = url }
        if (environment["DATABASE_URL"] ?? "").isEmpty, environment["PGHOST"] == nil {
            let embedded = try EmbeddedPostgres.start(folder: embeddedFolder, port: embeddedPort)
            // Migrations as the superuser, everything else as the application role (migrations/0050_roles.sql).
            environment["PUNTOS_ADMIN_URL"] = embedded
            environment["DATABASE_URL"] = embedded.replacingOccurrences(of: "//postgres@", with: "//puntos_app@")
            logger.notice("puntos.embedded_postgres", metadata: ["db.folder": "\(embeddedFolder)", "db.port": "\(embeddedPort)"])
        }
        let configuration = PostgresConfiguration.fromEnvironment(
            applicationName: "puntos", environment: .fixed(environment))

        if !noMigrate {
            var migrating = configuration
            if let admin = environment["PUNTOS_ADMIN_URL"], !admin.isEmpty { migrating.url = admin }
            let database = Database(configuration: migrating, logger: logger)
            defer { database.close() }
            let migrator = try Migrator(migrations: try Migrator.load(directory: migrations), logger: logger)
            let report = try migrator.migrate(database)
            logger.notice("puntos.migrated", metadata: ["migrations.applied": "\(report.applied.count)"])
        }

        var secrets = template.parameters["WebhookSecrets"] ?? ""
        if secrets.isEmpty {
            let secret = SecureRandom.bytes(16).hexString
            secrets = "dev=\(secret)"
            print(
                "No WebhookSecrets given: callers sign as X-Puntos-Caller: dev with the secret \(secret) (set WEBHOOK_SECRETS=caller=secret,...)"
            )
        }
        let metrics = Metrics()
        let binDirectory =
            bin ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        var pools: [String: WorkerPool] = [:]
        for function in template.functions {
            pools[function.name] = WorkerPool(
                function: function, binDirectory: binDirectory, environment: environment,
                maximumPending: maxPending, logger: logger, metrics: metrics)
        }
        let queues = QueueService(
            template: template, pools: pools, configuration: configuration,
            backoffBaseSeconds: Double(queueBackoffMs) / 1000, logger: logger, metrics: metrics)
        let scheduler = try Scheduler(
            template: template, pools: pools, configuration: configuration, logger: logger, metrics: metrics)
        let authenticator = WebhookAuthenticator(
            secrets: secrets, databases: DatabaseLanes(configuration: configuration, label: "replays", count: 4, logger: logger))
        let healthDatabase = BlockingDatabase(configuration: configuration, label: "health", logger: logger)
        var gateway = Gateway(
            template: template, routes: RouteTable(template.functions), functions: pools, pools: pools,
            authenticator: authenticator, queues: queues,
            health: {
                (try? await healthDatabase.run { database in
                    try database.withConnection { try $0.query("SELECT 1 AS ok").rows.count == 1 }
                }) ?? false
            },
            metrics: metrics, logger: logger, maximumBodyBytes: maxBodyBytes, maximumWait: .milliseconds(workerWaitMs))
        gateway.bodyTimeout = .milliseconds(bodyTimeoutMs)
        let host = self.host
        let application = Application(
            responder: gateway,
            server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(bodyTimeoutMs)))),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                logger.notice("puntos.listening", metadata: ["http.address": "\(host):\(channel.localAddress?.port ?? 0)"])
            },
            logger: logger)
        // Shutdown runs in reverse: stop accepting HTTP and finish its requests, stop schedules and
        // queue claims (batches in hand finish), then let the workers finish and end them.
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: PoolsService(pools: pools, logger: logger)),
                    .init(service: queues), .init(service: scheduler),
                    .init(service: ReplaySweeper(authenticator: authenticator, logger: logger)), .init(service: application),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.notice("puntos.stopped")
    }
}

/// Without `DATABASE_URL`: a PostgreSQL in a folder of the project, started (and kept running between
/// runs) by the same shell functions as the test command, with its `puntos` database created.
enum EmbeddedPostgres {
    static func start(folder: String, port: Int) throws -> String {
        guard FileManager.default.fileExists(atPath: "scripts/lib/setup.sh") else {
            throw ValidationError(
                "DATABASE_URL is not set, and scripts/lib/setup.sh (run puntos up from the project folder) "
                    + "is not here to start the embedded PostgreSQL")
        }
        let folder = URL(fileURLWithPath: folder).standardizedFileURL.path
        let script = """
            set -euo pipefail
            source scripts/lib/setup.sh
            [ -f "$1/postmaster.pid" ] || start_postgres "$1" "$2"
            admin="postgresql://postgres@127.0.0.1:$2/postgres"
            psql -q -d "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = 'puntos'" | grep -q 1 \\
                || psql -q -d "$admin" -c 'CREATE DATABASE puntos'
            """
        // posix_spawn and waitpid: Foundation's waitUntilExit can miss the exit inside an async command.
        let arguments = ["/bin/bash", "-c", script, "embedded-postgres", folder, String(port)]
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, "/bin/bash", nil, nil, argv, environ) == 0 else {
            throw ValidationError("could not run /bin/bash to start the embedded PostgreSQL")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            throw ValidationError("could not start the embedded PostgreSQL in \(folder) (see above)")
        }
        return "postgresql://postgres@127.0.0.1:\(port)/puntos"
    }
}
