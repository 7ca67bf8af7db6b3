public import Foundation
public import PuntosRuntime

/// A `puntos up` started for one test on a free port, serving Tests/Fixtures/deploy.test.yaml on the
/// test database; stopped with SIGTERM by `stop()`.
public final class LocalRuntime: Sendable {
    public let port: Int
    public let process: Process
    public let log: URL
    public static let secrets = ["pos": "pos-secret", "erp": "erp-secret"]

    public var base: String { "http://127.0.0.1:\(port)" }

    /// `environment` is added to this process's own (a `DATABASE_URL` there points it elsewhere).
    public init(
        arguments: [String] = [], environment extra: [String: String] = [:],
        template: String = "Tests/Fixtures/deploy.test.yaml"
    ) throws {
        _ = try TestDatabase.url()  // without it puntos up would start an embedded PostgreSQL of its own
        port = try Self.freePort()
        log = FileManager.default.temporaryDirectory.appendingPathComponent("puntos-up-\(port).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process = Process()
        process.executableURL = FunctionProcess.binDirectory.appendingPathComponent("puntos")
        process.arguments =
            [
                "up", "--template", template, "--port", String(port), "--no-migrate",
                "--queue-backoff-ms", "50", "--worker-wait-ms", "3000",
            ] + arguments
        process.currentDirectoryURL = FunctionProcess.projectRoot
        var environment = ProcessInfo.processInfo.environment
        environment["LOG_LEVEL"] = "info"
        environment.merge(extra) { $1 }
        process.environment = environment
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let response = try? get("/healthz"), response.status == 200 { return }
            guard process.isRunning else { break }
            usleep(100_000)
        }
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        stop()
        throw Failure(description: "puntos up did not become healthy: \(text.suffix(2000))")
    }

    deinit { if process.isRunning { process.terminate(); process.waitUntilExit() } }

    /// SIGTERM, then the exit status.
    @discardableResult
    public func stop() -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    public struct Failure: Error, CustomStringConvertible { public let description: String }

    public func get(_ path: String, headers: [(name: String, value: String)] = []) throws -> HTTPResponse {
        try HTTPClient().perform(HTTPRequest(url: base + path, headers: headers, timeoutSeconds: 30))
    }

    public func send(_ method: String, _ path: String, body: String = "", headers: [(name: String, value: String)] = []) throws
        -> HTTPResponse
    {
        try HTTPClient().perform(
            HTTPRequest(
                method: method, url: base + path, headers: headers,
                body: method == "GET" && body.isEmpty ? nil : Data(body.utf8), timeoutSeconds: 30))
    }

    /// The three signature headers for a request, as a webhook caller computes them.
    public static func signature(
        caller: String = "pos", secret: String? = nil, method: String, target: String, body: String,
        timestamp: Int = Int(Date().timeIntervalSince1970)
    ) -> [(name: String, value: String)] {
        let key = secret ?? secrets[caller] ?? ""
        let message = Data("\(timestamp).\(method).\(target).\(body)".utf8)
        let code = HMACSHA256.authenticationCode(for: message, key: Data(key.utf8)).hexString
        return [("X-Puntos-Caller", caller), ("X-Puntos-Timestamp", String(timestamp)), ("X-Puntos-Signature", "v1=\(code)")]
    }

    /// A signed request.
    public func signed(_ method: String, _ target: String, body: String = "") throws -> HTTPResponse {
        try send(method, target, body: body, headers: Self.signature(method: method, target: target, body: body))
    }

    /// Process ids of this runtime's workers of one function (its children running that executable).
    public func workers(of function: String) -> [Int32] {
        var pids: [Int32] = []
        for task in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/task")) ?? [] {
            let text =
                (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/task/\(task)/children", encoding: .utf8)) ?? ""
            pids += text.split(separator: " ").compactMap { Int32($0) }
        }
        return Array(Set(pids)).filter { pid in
            let name = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(
                in: .whitespacesAndNewlines)
            return name.map { function.hasPrefix($0) } ?? false
        }
    }

    /// Whether process `pid` would be stopped by `signal` now: neither blocked nor ignored (from
    /// /proc/PID/status); nil when the process is gone.
    public static func acceptsSignal(_ signal: Int32, pid: Int32) -> Bool? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func mask(_ field: String) -> UInt64? {
            status.split(separator: "\n").first { $0.hasPrefix(field + ":") }
                .flatMap { UInt64($0.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces), radix: 16) }
        }
        guard let blocked = mask("SigBlk"), let ignored = mask("SigIgn") else { return nil }
        let bit = UInt64(1) << UInt64(signal - 1)
        return blocked & bit == 0 && ignored & bit == 0
    }

    public var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw Failure(description: "bind failed: errno \(errno)") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
