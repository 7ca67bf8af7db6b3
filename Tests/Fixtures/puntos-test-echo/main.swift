// A test-only function for the local runtime's end-to-end tests: answers with its event, or fails,
// sleeps, crashes or writes to the database on demand. Never deployed (deploy.test.yaml only).
import FoundationEssentials
import PuntosPostgres
import PuntosRuntime

#if canImport(Glibc)
    import Glibc
#endif

struct EchoEvent: Codable, Sendable {
    var kind: String?
    /// Fail with this FunctionError kind (bad_input, not_found, conflict, refused, temporary, bug).
    var fail: String?
    /// Fail this many times for `key`, then succeed (counted in the database, so across workers).
    var failTimes: Int?
    var key: String?
    var sleepMilliseconds: Int?
    /// Exit at once (as a crash), or after `sleep_ms`.
    var crash: Bool?
    /// Crash only the first time for `key`.
    var crashOnce: Bool?
    var value: JSONValue?

    enum CodingKeys: String, CodingKey {
        case kind, fail, key, crash, value
        case failTimes = "fail_times", sleepMilliseconds = "sleep_ms", crashOnce = "crash_once"
    }
}

struct EchoOutput: Encodable, Sendable {
    var event: EchoEvent
    var requestId: String
    var pid: Int32
    var attempts: Int?
    enum CodingKeys: String, CodingKey { case event, pid, attempts, requestId = "request_id" }
}

struct Echo: FunctionHandler {
    static let name = "puntos-test-echo"
    static let httpRoutes = ["POST /test/echo": "echo", "GET /test/echo/{value}": "echo", "GET /test/public": "echo"]
    static let scheduledEventKind: String? = "tick"

    func handle(_ event: EchoEvent, context: FunctionContext) throws -> EchoOutput {
        var attempts: Int?
        if let key = event.key, event.failTimes != nil || event.crashOnce == true || event.kind == "tick" {
            attempts = try context.database.withTransaction { connection in
                // puntos_test_echo is made by scripts/test as the owner: the functions' role creates no tables.
                return try connection.query(
                    """
                    INSERT INTO puntos_test_echo (key, attempts) VALUES (\(key), 1)
                    ON CONFLICT (key) DO UPDATE SET attempts = puntos_test_echo.attempts + 1 RETURNING attempts
                    """
                ).one().decode("attempts", as: Int.self)
            }
        }
        if let milliseconds = event.sleepMilliseconds { usleep(UInt32(milliseconds) * 1000) }
        if event.crash == true || (event.crashOnce == true && attempts == 1) { kill(getpid(), SIGKILL) }
        if let times = event.failTimes, let attempts, attempts <= times {
            throw FunctionError.temporary(.contention, "failing attempt \(attempts) of \(times)")
        }
        if let kind = event.fail {
            throw FunctionError(
                FunctionError.Kind(rawValue: kind) ?? .bug, code: .internalError, message: "failing on demand (\(kind))")
        }
        return EchoOutput(event: event, requestId: context.requestId, pid: getpid(), attempts: attempts)
    }
}

FunctionMain.run(Echo())
