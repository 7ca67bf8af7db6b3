// A function that does nothing (bench/all): what `puntos up` costs on its own, from the HTTP request to
// the worker and back, compared with `bench-bare-http` answering the same bytes.
import PuntosRuntime

struct NoopEvent: Decodable, Sendable {
    var kind: String?
}

struct NoopOutput: Encodable, Sendable {
    var ok = true
}

struct Noop: FunctionHandler {
    static let name = "bench-noop"
    static let httpRoutes = ["POST /noop": "noop"]

    func handle(_ event: NoopEvent, context: FunctionContext) throws -> NoopOutput { NoopOutput() }
}

FunctionMain.run(Noop())
