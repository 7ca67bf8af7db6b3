import PuntosRuntime

/// A handler with no database work, to drive the runtime through every envelope.
struct EchoHandler: FunctionHandler {
    static let name = "echo"
    static let httpRoutes = ["GET /echo/{word}": "say", "POST /echo": "say"]
    static let scheduledEventKind: String? = "tick"

    struct Event: Codable, Sendable {
        var kind: String
        var word: String?
        var fail: String?
    }

    struct Output: Codable, Sendable, Equatable {
        var kind: String
        var word: String?
    }

    func handle(_ event: Event, context: FunctionContext) throws -> Output {
        switch event.fail {
        case "refuse": throw FunctionError.refused(.insufficientPoints, "refused on purpose")
        case "bad": throw FunctionError.badInput(.invalidValue, field: "word", "bad on purpose")
        default: return Output(kind: event.kind, word: event.word)
        }
    }
}
