public import Foundation

/// Runs a built executable as a user would, with an event on standard input.
public struct FunctionProcess {
    public struct Outcome: Sendable {
        public let exitCode: Int32
        public let stdout: Data
        public let stderr: Data

        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }

        /// The `{"error":{...}}` object the function wrote on stderr (its last line), if any.
        public var error: [String: Any]? {
            let lastLine = stderrText.split(separator: "\n").last.map(String.init) ?? ""
            let object = try? JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any]
            return object?["error"] as? [String: Any]
        }

        public var json: [String: Any]? {
            try? JSONSerialization.jsonObject(with: stdout) as? [String: Any]
        }
    }

    /// The folder of built executables: `PUNTOS_BIN` (set by scripts/test), else `.build/debug`.
    public static var binDirectory: URL {
        if let bin = ProcessInfo.processInfo.environment["PUNTOS_BIN"] { return URL(fileURLWithPath: bin) }
        return projectRoot.appendingPathComponent(".build/debug")
    }

    public static var projectRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Runs `name` with `arguments`, `input` on stdin and `environment` added to this process's.
    public static func run(
        _ name: String, arguments: [String] = [], input: Data = Data(),
        environment: [String: String] = [:]
    ) throws -> Outcome {
        // A function may exit before reading all its input (a refused 10 MB body): the write must not kill us.
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        process.executableURL = binDirectory.appendingPathComponent(name)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = projectRoot
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Write and read on separate threads so that neither side can fill a pipe and stall the other.
        let writer = Thread {
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let errorData = LockedData()
        let reader = Thread { errorData.set(stderr.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1000) }
        return Outcome(exitCode: process.terminationStatus, stdout: output, stderr: errorData.value)
    }
}

/// A value handed from a reader thread to the caller.
final class LockedData: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data) { lock.withLock { data = value } }
    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
}
