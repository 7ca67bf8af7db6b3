public import FoundationEssentials
public import Logging
import PuntosPostgres

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The warm driver: the published AWS Lambda Runtime API, over one kept-alive plain socket
/// (`RuntimeAPIConnection`; libcurl stays for the functions that call out).
///
///     GET  /2018-06-01/runtime/invocation/next            -> the event, with Lambda-Runtime-* headers
///     POST /2018-06-01/runtime/invocation/{id}/response   <- the answer
///     POST /2018-06-01/runtime/invocation/{id}/error      <- {"errorType","errorMessage"}
///     POST /2018-06-01/runtime/init/error                 <- when the function cannot start
///
/// `FunctionMain.run` takes this path where `AWS_LAMBDA_RUNTIME_API` (host:port) is set: on AWS Lambda
/// and under `puntos up` alike. One `Database` is kept between events (it reconnects when broken).
public struct RuntimeAPIDriver {
    public static let version = "2018-06-01"

    /// One invocation as `next` hands it over.
    public struct Invocation: Sendable, Equatable {
        public var requestId: String
        public var deadline: Date
        public var traceId: String?
        public var functionArn: String?
        public var event: Data
    }

    static let base = "/\(version)/runtime"
    /// How long an answer (response, error, init error) may take to be taken; `next` waits as long as it takes.
    static let answerTimeout = Duration.seconds(10)

    let connection: RuntimeAPIConnection
    let logger: Logger

    public init(endpoint: String, logger: Logger) {
        self.connection = RuntimeAPIConnection(endpoint: endpoint)
        self.logger = logger
    }

    /// Reports a failed start; the platform then stops (or replaces) this process.
    public func reportInitError(_ error: FunctionError) {
        _ = try? connection.send(
            "POST", Self.base + "/init/error",
            headers: [("Content-Type", "application/json"), ("Lambda-Runtime-Function-Error-Type", Self.errorType(error))],
            body: Self.errorBody(error), timeout: Self.answerTimeout)
    }

    /// Long-polls for the next event. Throws when the Runtime API is gone for good (a few tries).
    public func next() throws -> Invocation {
        var attempt = 0
        while true {
            do {
                let response = try connection.send("GET", Self.base + "/invocation/next", timeout: nil)
                guard response.status == 200, let requestId = response.header("lambda-runtime-aws-request-id"), !requestId.isEmpty
                else {
                    throw RuntimeAPIError(message: "runtime API answered \(response.status) to next")
                }
                let deadline =
                    response.header("lambda-runtime-deadline-ms").flatMap(Double.init)
                    .map { Date(timeIntervalSince1970: $0 / 1000) } ?? Date().addingTimeInterval(30)
                return Invocation(
                    requestId: requestId, deadline: deadline, traceId: response.header("lambda-runtime-trace-id"),
                    functionArn: response.header("lambda-runtime-invoked-function-arn"), event: response.body)
            } catch {
                attempt += 1
                guard attempt < 5 else { throw error }
                logger.info("runtime_api.next_failed", metadata: ["error": "\(error)", "runtime_api.attempt": "\(attempt)"])
                usleep(UInt32(100_000 * attempt))
            }
        }
    }

    /// Sends the answer of one invocation.
    public func respond(_ invocation: Invocation, _ result: Result<Data, FunctionError>) throws {
        let response: RuntimeAPIResponse
        switch result {
        case .success(let body):
            response = try connection.send(
                "POST", Self.base + "/invocation/\(invocation.requestId)/response",
                headers: [("Content-Type", "application/json")], body: body, timeout: Self.answerTimeout)
        case .failure(let error):
            response = try connection.send(
                "POST", Self.base + "/invocation/\(invocation.requestId)/error",
                headers: [("Content-Type", "application/json"), ("Lambda-Runtime-Function-Error-Type", Self.errorType(error))],
                body: Self.errorBody(error), timeout: Self.answerTimeout)
        }
        guard (200..<300).contains(response.status) else {
            // 413 (answer too large) or 400/410 (unknown or expired request): say so, keep serving.
            logger.warning(
                "runtime_api.answer_refused",
                metadata: [
                    "runtime_api.status": "\(response.status)",
                    "request.id": "\(invocation.requestId)",
                ])
            return
        }
    }

    /// `Puntos.bad_input`, `Puntos.temporary`, …: what Lambda shows as the function error's type.
    static func errorType(_ error: FunctionError) -> String { "Puntos.\(error.kind.rawValue)" }

    /// Lambda's error document, with Puntos's code and field beside the two standard keys.
    static func errorBody(_ error: FunctionError) -> Data {
        var object: [String: JSONValue] = [
            "errorType": .string(errorType(error)), "errorMessage": .string(error.message), "code": .string(error.code.rawValue),
        ]
        if let field = error.field { object["field"] = .string(field) }
        return (try? JSONCoding.encode(JSONValue.object(object))) ?? Data()
    }

    /// The loop: next, handle, answer, for ever. Returns only when the Runtime API has gone away.
    func serve<Handler: FunctionHandler>(_ runner: FunctionRunner<Handler>, database: Database) {
        while true {
            let invocation: Invocation
            do { invocation = try next() } catch {
                logger.notice("runtime_api.gone", metadata: ["error": "\(error)"])
                return
            }
            setenv("_X_AMZN_TRACE_ID", invocation.traceId ?? "", 1)
            let context = FunctionContext(
                requestId: invocation.requestId, deadline: invocation.deadline,
                logger: logger.with(requestId: invocation.requestId), database: database, traceId: invocation.traceId)
            let result = runner.invoke(invocation.event, context: context)
            do { try respond(invocation, result) } catch {
                logger.warning(
                    "runtime_api.answer_failed", metadata: ["error": "\(error)", "request.id": "\(invocation.requestId)"])
            }
        }
    }
}

struct RuntimeAPIError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
