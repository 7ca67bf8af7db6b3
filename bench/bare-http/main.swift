// The baseline of the runtime's own HTTP path (bench/all): a bare Hummingbird route answering what
// `bench-noop` answers through `puntos up`, on the same event loops.
//   bench-bare-http PORT
import Hummingbird

let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 8080 : 8080
let router = Router()
router.post("/noop") { _, _ -> Response in
    Response(
        status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"ok":true}"#)))
}
let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await application.runService()
