import Foundation
import Logging
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Synchronization

@testable import puntos

/// A function's handler run in this process in place of a warm worker: the same `FunctionRunner`
/// that the executable's drivers use, on its own connection to the test database.
struct InProcessFunction<Handler: FunctionHandler>: FunctionInvoker {
    let runner: FunctionRunner<Handler>
    let database: BlockingDatabase

    init(_ handler: Handler, configuration: PostgresConfiguration) {
        runner = FunctionRunner(handler)
        database = BlockingDatabase(
            configuration: configuration, label: "in-process-\(Handler.name)", logger: TestDatabase.logger)
    }

    func invoke(_ payload: Data, requestId: String, maximumWait: Duration) async -> InvocationOutcome {
        let runner = self.runner
        let result = try? await database.run { database in
            runner.invoke(
                payload,
                context: FunctionContext(
                    requestId: requestId, deadline: Date().addingTimeInterval(30), logger: TestDatabase.logger,
                    database: database))
        }
        switch result {
        case .success(let output): return .success(output)
        case .failure(let error): return .functionError((try? JSONCoding.encode(error)) ?? Data(), type: error.code.rawValue)
        case nil: return .failed(.crashed)
        }
    }
}

/// A function that answers 200 `{}` and keeps every event it was given, to read what the gateway
/// passed on (the authorizer's context above all).
final class RecordingFunction: FunctionInvoker {
    private let events = Mutex<[Data]>([])

    var received: [[String: Any]] {
        events.withLock { $0 }.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    func invoke(_ payload: Data, requestId: String, maximumWait: Duration) async -> InvocationOutcome {
        events.withLock { $0.append(payload) }
        return .success(Data(#"{"statusCode":200,"body":"{}"}"#.utf8))
    }
}
