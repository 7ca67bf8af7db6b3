import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `puntos import KIND FILE …`: runs `puntos-import`, the executable beside this one, with the same
/// arguments (it replaces this process: its output, progress and exit code are the command's).
/// Importing checks and prices records by the domain's own rules, so it lives in an executable that
/// links the domain modules; `puntos`, the runtime, links none.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import customers, cards, invoices or adjustments in bulk from CSV or JSON lines, with their original dates.",
        discussion: "puntos import customers|cards|invoices|adjustments FILE [--format csv|jsonl] [--rejects PATH] "
            + "[--programme ID] [--batch N] [--quiet]")

    @Argument(parsing: .captureForPassthrough, help: "The kind, the file and the options, as puntos-import takes them.")
    var arguments: [String] = []

    func run() throws {
        let path = Self.sibling("puntos-import")
        guard access(path, X_OK) == 0 else {
            FileHandle.standardError.write(Data("puntos import: \(path) is not built (swift build)\n".utf8))
            throw ExitCode(69)
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        execv(path, argv)
        FileHandle.standardError.write(Data("puntos import: cannot run \(path): \(String(cString: strerror(errno)))\n".utf8))
        throw ExitCode(70)
    }

    /// An executable in the same folder as this one.
    static func sibling(_ name: String) -> String {
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent(name).path
    }
}
