import ArgumentParser
import Foundation

/// `puntos invoke FN EVENT.json`, as `sam local invoke`: runs one function once on one event.
struct Invoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a function once on an event file and print its answer.")

    @Argument(help: "The function, e.g. register-card.")
    var function: String

    @Argument(help: "The event JSON file; - for standard input.")
    var event: String = "-"

    func run() throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent(function)
        guard function.allSatisfy({ $0.isLetter || $0 == "-" }), FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw ValidationError(
                "no function \(function) beside puntos (\(binary.deletingLastPathComponent().path)); build it with swift build")
        }
        let process = Process()
        process.executableURL = binary
        if event != "-" { process.arguments = ["--event", event] }
        try process.run()
        process.waitUntilExit()
        throw ExitCode(process.terminationStatus)
    }
}
