import Foundation

/// Something that runs one event of a function and says how it ended: a `WorkerPool` of warm
/// processes under `puntos up`; in the gateway's in-process tests, the handler itself.
protocol FunctionInvoker: Sendable {
    func invoke(_ payload: Data, requestId: String, maximumWait: Duration) async -> InvocationOutcome
}

extension WorkerPool: FunctionInvoker {}
