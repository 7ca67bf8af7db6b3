import Foundation
import PuntosRuntime

/// How one invocation through a pool ended.
enum InvocationOutcome: Sendable {
    /// The function's answer (`.../response`).
    case success(Data)
    /// The function reported an error (`.../error`): Lambda's error document and its type.
    case functionError(Data, type: String)
    /// No answer from the function.
    case failed(PoolFailure)
}

enum PoolFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The worker died (crash, SIGKILL) while it held the event.
    case crashed
    /// The worker overran the function's Timeout and was killed.
    case timedOut
    /// No worker became free within the bounded wait.
    case busy
    /// The function's executable is not built.
    case missingExecutable(String)
    /// `puntos` is shutting down.
    case stopping

    var code: FunctionError.Code {
        switch self {
        case .crashed: .functionCrashed
        case .timedOut: .functionTimedOut
        case .busy: .functionBusy
        case .missingExecutable: .functionUnavailable
        case .stopping: .shuttingDown
        }
    }

    var description: String {
        switch self {
        case .crashed: "the function's worker stopped while handling the event; it was replaced"
        case .timedOut: "the function did not answer within its timeout; its worker was replaced"
        case .busy: "every worker of the function is busy; retry shortly"
        case .missingExecutable(let path): "the function is not built (no executable at \(path))"
        case .stopping: "puntos is shutting down"
        }
    }

    /// 502 crashed, 504 timed out, 503 busy / not built / stopping (with Retry-After).
    var httpStatus: Int {
        switch self {
        case .crashed: 502
        case .timedOut: 504
        case .busy, .missingExecutable, .stopping: 503
        }
    }
}

/// One event handed to a worker through `next`.
struct Job: Sendable {
    let requestId: String
    let payload: Data
    let deadline: Date
    let traceId: String
    let continuation: CheckedContinuation<InvocationOutcome, Never>
}
