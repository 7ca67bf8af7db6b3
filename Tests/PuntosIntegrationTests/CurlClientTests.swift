import Foundation
import PuntosRuntime
import PuntosTestSupport
import Testing

/// libcurl against real servers on loopback: Python's http.server and aiosmtpd.
@Suite struct CurlClientTests {
    /// Starts Debian's `python3 ARGS` (where Debian's python3-aiosmtpd is installed) and waits until it accepts connections on `port`.
    func startPython(_ arguments: [String], port: Int, directory: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Generous: on a loaded two-core machine Python's start alone has taken over 5 s.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, process.isRunning {
            if canConnect(port: port) { return process }
            usleep(50_000)
        }
        let exited = !process.isRunning
        process.terminate()
        throw TestDatabase.Missing(
            description: "python3 \(arguments.joined(separator: " ")) did not start" + (exited ? " (it exited)" : " within 30 s"))
    }

    func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// A port below Linux's ephemeral range (32768-60999), where outgoing connections take theirs.
    func freePort() -> Int { Int.random(in: 20_000...32_000) }

    /// Starts a server on a free port, trying another port when the chosen one was taken (the
    /// server exits at once): `arguments` makes the command line for a port.
    func startPython(_ arguments: (Int) -> [String], directory: URL) throws -> (server: Process, port: Int) {
        var lastError: any Error = TestDatabase.Missing(description: "no port tried")
        for _ in 0..<5 {
            let port = freePort()
            do {
                return (try startPython(arguments(port), port: port, directory: directory), port)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    @Test func httpGetAndPostOnOneKeptConnection() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("hola, mundo".utf8).write(to: directory.appendingPathComponent("hello.txt"))
        let (server, port) = try startPython({ ["-m", "http.server", "--bind", "127.0.0.1", "\($0)"] }, directory: directory)
        defer { server.terminate() }

        let client = HTTPClient()
        let response = try client.perform(
            HTTPRequest(url: "http://127.0.0.1:\(port)/hello.txt", headers: [("Accept", "text/plain")]))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "hola, mundo")
        #expect(response.header("Content-Length") == "11")
        let missing = try client.perform(HTTPRequest(url: "http://127.0.0.1:\(port)/missing"))
        #expect(missing.status == 404)
        // http.server does not implement POST: the status comes back, it is not a transport error.
        let post = try client.perform(
            HTTPRequest(method: "POST", url: "http://127.0.0.1:\(port)/hello.txt", body: Data("{}".utf8)))
        #expect(post.status == 501)
    }

    @Test func aRefusedConnectionIsATemporaryError() throws {
        do {
            _ = try HTTPClient().perform(HTTPRequest(url: "http://127.0.0.1:1/", timeoutSeconds: 2))
            Issue.record("expected a connection error")
        } catch {
            #expect(error.isTemporary)
        }
    }

    @Test func smtpDeliversAMessageToARealServer() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // aiosmtpd's Mailbox handler stores every message it accepts in a maildir.
        let mailbox = directory.appendingPathComponent("mail").path
        let (server, port) = try startPython(
            { ["-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\($0)", "-c", "aiosmtpd.handlers.Mailbox", mailbox] },
            directory: directory)
        defer { server.terminate() }
        let message = "From: Puntos <puntos@example.com>\r\nTo: ana@example.com\r\nSubject: Hola\r\n\r\nTienes 1500 puntos.\r\n"
        try SMTPClient(configuration: SMTPConfiguration(url: "smtp://127.0.0.1:\(port)"))
            .send(from: "puntos@example.com", to: ["ana@example.com"], message: Data(message.utf8))
        let delivered = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("mail/new").path)
        #expect(delivered.count == 1)
        let text = try String(contentsOf: directory.appendingPathComponent("mail/new/\(delivered[0])"), encoding: .utf8)
        #expect(text.contains("Subject: Hola"))
        #expect(text.contains("Tienes 1500 puntos."))
    }
}
