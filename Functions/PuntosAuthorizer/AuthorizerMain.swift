import FoundationEssentials
import Logging
import PuntosPostgres
import PuntosRuntime
import PuntosWebhooks

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `webhook-authorizer` executable. Not a `FunctionHandler`: an authorizer request is not a
/// domain event in an envelope, and its answer is the simple response itself, never
/// `{statusCode, body}`.
///
/// Warm (`AWS_LAMBDA_RUNTIME_API` set, as on AWS Lambda): loops on the Runtime API, keeping its
/// database connection. One shot: the authorizer request on stdin, the response on stdout (exit 0
/// whether authorized or not), for tests and `puntos invoke`.
///
/// Environment: `WEBHOOK_SECRETS` (`caller=secret,…`, required: without it every start fails with
/// `init/error`), `DATABASE_URL` (the replay table), `LOG_LEVEL`.
public enum AuthorizerMain {
    public static func run() -> Never {
        JSONLogHandler.bootstrap(function: "webhook-authorizer")
        let logger = Logger(label: "webhook-authorizer")
        let environment = Environment.process
        let endpoint = environment["AWS_LAMBDA_RUNTIME_API"].flatMap { $0.isEmpty ? nil : $0 }
        let authorizer: WebhookAuthorizer
        do {
            authorizer = try WebhookAuthorizer(specification: environment["WEBHOOK_SECRETS"] ?? "")
        } catch {
            logger.error("function.init_failed", metadata: ["error.code": "\(error.code)"])
            if let endpoint {
                RuntimeAPIDriver(endpoint: endpoint, logger: logger).reportInitError(error)
            } else {
                write((try? JSONCoding.encode(error)) ?? Data(), to: 2)
            }
            exit(78)  // EX_CONFIG
        }
        let database = Database(
            configuration: .fromEnvironment(applicationName: "webhook-authorizer"), logger: logger)
        if let endpoint {
            let driver = RuntimeAPIDriver(endpoint: endpoint, logger: logger)
            while true {
                let invocation: RuntimeAPIDriver.Invocation
                do { invocation = try driver.next() } catch {
                    logger.notice("runtime_api.gone", metadata: ["error": "\(error)"])
                    database.close()
                    exit(0)
                }
                let result = decide(invocation.event, authorizer: authorizer, database: database, logger: logger)
                do { try driver.respond(invocation, result) } catch {
                    logger.warning("runtime_api.answer_failed", metadata: ["error": "\(error)"])
                }
            }
        }
        var input = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(0, &buffer, buffer.count)
            if count <= 0 { break }
            input.append(contentsOf: buffer[0..<count])
            if input.count > EventDecoding.maximumEventBytes { break }
        }
        let result = decide(input, authorizer: authorizer, database: database, logger: logger)
        database.close()
        switch result {
        case .success(let output):
            write(output, to: 1)
            exit(0)
        case .failure(let error):
            write((try? JSONCoding.encode(error)) ?? Data(), to: 2)
            exit(error.exitCode)
        }
    }

    /// One request: the simple response, or an error (bad request shape 65; database down 75, which
    /// API Gateway turns into a 500: nothing was decided, the caller may retry).
    static func decide(
        _ data: Data, authorizer: WebhookAuthorizer, database: Database, logger: Logger
    ) -> Result<Data, FunctionError> {
        do {
            try EventDecoding.checkSize(data)
            let event = try EventDecoding.decode(AuthorizerEvent.self, from: data)
            let response = try authorizer.authorize(event) { claim in
                try database.withConnection { try ReplayStore.claim(claim, on: $0) }
            }
            if response.isAuthorized {
                logger.info("authorizer.allowed", metadata: ["caller": "\(response.context["caller"] ?? "")"])
            } else {
                logger.notice(
                    "authorizer.denied",
                    metadata: [
                        "reason": "\(response.context["reason"] ?? "")", "route": "\(event.routeKey ?? event.routeArn ?? "")",
                    ])
            }
            return .success(try JSONCoding.encode(response))
        } catch let error as FunctionError {
            return .failure(error)
        } catch {
            return .failure(FunctionError(converting: error))
        }
    }

    static func write(_ data: Data, to descriptor: Int32) {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
