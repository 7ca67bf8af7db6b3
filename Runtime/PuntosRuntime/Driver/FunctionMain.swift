import FoundationEssentials
import Logging
import PuntosPostgres

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The entry point of every function executable:
///
///     FunctionMain.run(RegisterCard())
///
/// One shot: the event from `--event FILE` or stdin, the answer on stdout, exit 0; a failure as
/// `{"error":{...}}` on stderr with exit 65 (bad input), 69 (refused), 75 (temporary) or 70 (bug).
///
/// Warm: where `AWS_LAMBDA_RUNTIME_API` is set (AWS Lambda, `puntos up`), loops on the Lambda Runtime
/// API instead, keeping the database connection between events (`RuntimeAPIDriver`).
public enum FunctionMain {
    public static func run<Handler: FunctionHandler>(
        _ handler: Handler,
        arguments: [String] = CommandLine.arguments
    ) -> Never {
        run(arguments: arguments) { handler }
    }

    /// As `run(_:)`, for a handler whose construction may fail (configuration read at start): the
    /// failure is reported as Lambda's `init/error` when warm, or exit 78 (EX_CONFIG) when one-shot.
    public static func run<Handler: FunctionHandler>(
        arguments: [String] = CommandLine.arguments,
        _ make: () throws -> Handler
    ) -> Never {
        JSONLogHandler.bootstrap(function: Handler.name)
        let logger = Logger(label: Handler.name)
        let environment = Environment.process
        let handler: Handler
        do { handler = try make() } catch {
            let failure = FunctionError(converting: error)
            logger.error(
                "function.init_failed", metadata: ["error.code": "\(failure.code)", "error.detail": "\(failure.message)"])
            if let endpoint = environment["AWS_LAMBDA_RUNTIME_API"], !endpoint.isEmpty {
                RuntimeAPIDriver(endpoint: endpoint, logger: logger).reportInitError(failure)
            } else {
                StandardIO.write((try? JSONCoding.encode(failure)) ?? Data(), to: 2)
            }
            exit(78)  // EX_CONFIG
        }
        if let endpoint = environment["AWS_LAMBDA_RUNTIME_API"], !endpoint.isEmpty {
            // A supervisor's SIGTERM ends a warm worker at once: a parent that ignores SIGTERM for its
            // own handling (`puntos up`, through ServiceLifecycle) passes the ignoring on through exec.
            signal(SIGTERM, SIG_DFL)
            signal(SIGINT, SIG_DFL)
            let database = Database(configuration: .fromEnvironment(applicationName: Handler.name), logger: logger)
            let driver = RuntimeAPIDriver(endpoint: endpoint, logger: logger)
            if let failure = WarmStart.checkDatabase(database) {
                logger.error("function.init_failed", metadata: ["error.code": "\(failure.code)"])
                driver.reportInitError(failure)
                exit(78)  // EX_CONFIG
            }
            driver.serve(FunctionRunner(handler), database: database)
            database.close()
            exit(0)
        }
        let options: Options
        do {
            options = try Options(arguments: arguments)
        } catch {
            StandardIO.write(Data((error.message + "\n\n" + usage(Handler.name)).utf8), to: 2)
            exit(64)  // EX_USAGE
        }
        if options.help {
            StandardIO.write(Data(usage(Handler.name).utf8), to: 1)
            exit(0)
        }
        let database = Database(configuration: .fromEnvironment(applicationName: Handler.name), logger: logger)
        let runner = FunctionRunner(handler)
        let result: Result<Data, FunctionError>
        do {
            if options.eventFile == nil, isatty(0) == 1 {
                StandardIO.write(Data(usage(Handler.name).utf8), to: 2)
                exit(64)
            }
            let data: Data
            if let path = options.eventFile {
                data = try StandardIO.readFile(path, limit: EventDecoding.maximumEventBytes)
            } else {
                data = try StandardIO.readAll(fd: 0, limit: EventDecoding.maximumEventBytes)
            }
            let requestId = UUID().uuidString.lowercased()
            let context = FunctionContext(
                requestId: requestId, deadline: Date().addingTimeInterval(options.timeoutSeconds),
                logger: logger.with(requestId: requestId), database: database)
            result = runner.invoke(data, context: context)
        } catch {
            result = .failure(error)
        }
        database.close()
        switch result {
        case .success(let output):
            StandardIO.write(output, to: 1)
            exit(0)
        case .failure(let error):
            StandardIO.write((try? JSONCoding.encode(error)) ?? Data(#"{"error":{"code":"internal_error"}}"#.utf8), to: 2)
            exit(error.exitCode)
        }
    }

    static func usage(_ name: String) -> String {
        """
        usage: \(name) [--event FILE] < EVENT.json

        Handles one Puntos event: reads it as JSON from FILE or standard input, writes the answer as
        JSON on standard output. Errors go to standard error as {"error":{"code","message","field"}}
        with exit code 65 (bad input), 69 (refused by a rule), 75 (temporary: retry) or 70 (bug).

        Environment: DATABASE_URL or PGHOST/PGPORT/PGUSER/PGDATABASE; LOG_LEVEL (default notice);
        PUNTOS_STATEMENT_TIMEOUT_MS (5000); PUNTOS_CONNECT_TIMEOUT_S (3); PUNTOS_TIMEOUT_S (30).
        """
    }

    struct Options {
        var eventFile: String?
        var help = false
        var timeoutSeconds: Double = 30

        struct Invalid: Error { let message: String }

        init(arguments: [String]) throws(Invalid) {
            var remaining = arguments.dropFirst()
            while let argument = remaining.popFirst() {
                switch argument {
                case "--event", "-e":
                    guard let path = remaining.popFirst() else { throw Invalid(message: "--event needs a file name") }
                    eventFile = path
                case "--help", "-h":
                    help = true
                default:
                    if argument.hasPrefix("--event=") {
                        eventFile = String(argument.dropFirst("--event=".count))
                    } else {
                        throw Invalid(message: "unknown argument: \(argument)")
                    }
                }
            }
            if let value = Environment.process["PUNTOS_TIMEOUT_S"].flatMap(Double.init), value > 0 {
                timeoutSeconds = value
            }
        }
    }
}
