import ArgumentParser
import Foundation
import Logging
import PuntosPostgres
import PuntosRuntime

/// What `puntos report` and `puntos export` share: the database (DATABASE_URL, no statement timeout
/// unless PUNTOS_STATEMENT_TIMEOUT_MS sets one: a report or an export may read the whole ledger),
/// dates given on the command line, and the sysexits codes (65 bad option, 75 database down, 70 bug).
enum DataCommand {
    static func database(_ name: String) -> Database {
        JSONLogHandler.bootstrap(function: "puntos")
        var configuration = PostgresConfiguration.fromEnvironment(applicationName: "puntos \(name)")
        if ProcessInfo.processInfo.environment["PUNTOS_STATEMENT_TIMEOUT_MS"] == nil {
            configuration.statementTimeoutMilliseconds = 0
        }
        return Database(configuration: configuration, logger: Logger(label: "puntos.\(name)"))
    }

    /// `YYYY-MM-DD` (a whole day, UTC) or an RFC 3339 timestamp. `endOfDay`: a date means the last
    /// microsecond of that day (the ledger keeps microseconds), else its first.
    static func moment(_ text: String, option: String, endOfDay: Bool) throws -> Date {
        if text.count == 10, let day = Timestamp.parse(text + "T00:00:00Z") {
            return endOfDay ? day.addingTimeInterval(86_400 - 0.000_001) : day
        }
        guard let date = Timestamp.parse(text) else {
            throw usage(option, "\(option) must be a date (2026-11-30) or an RFC 3339 timestamp (2026-11-30T12:00:00Z)")
        }
        return date
    }

    /// A programme id as the functions accept it.
    static func programme(_ text: String?) throws -> String? {
        guard let text else { return nil }
        let valid =
            (1...63).contains(text.count)
            && text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }
        guard valid else {
            throw usage("--programme", "--programme must be a programme id (lower-case letters, digits, - and _)")
        }
        return text
    }

    /// Bad input on the command line: the message on stderr, exit 65.
    static func usage(_ option: String, _ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("puntos: \(message)\n".utf8))
        return ExitCode(65)
    }

    /// Runs `body`, turning database failures into a message and 75 (unreachable: retry) or 70.
    static func run(_ name: String, _ body: () throws -> Void) throws {
        do { try body() } catch let error as PostgresError where error.isTemporary {
            FileHandle.standardError.write(Data("puntos \(name): \(error.message)\n".utf8))
            throw ExitCode(75)
        } catch let error as PostgresError {
            FileHandle.standardError.write(Data("puntos \(name): \(error.debugDescription)\n".utf8))
            throw ExitCode(70)
        }
    }

    /// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
    static func csv(_ value: String?) -> String {
        guard let value else { return "" }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
