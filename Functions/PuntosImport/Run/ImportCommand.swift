package import Foundation
import Logging
import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// `puntos import customers|cards|invoices|adjustments FILE [--format csv|jsonl] [--rejects PATH]
/// [--programme ID] [--batch N] [--quiet]`: the summary as one JSON object on stdout; exit 0 when every
/// record was applied or skipped, 65 when some were rejected (the rest applied) or an option is wrong,
/// 75 when the database is unreachable (run it again: what was applied is skipped), 70 for a bug.
package enum ImportCommand {
    package static let usage = """
        usage: puntos import customers|cards|invoices|adjustments FILE [--format csv|jsonl] [--rejects PATH]
                             [--programme ID] [--batch N] [--quiet]
        """

    struct Options {
        var kind: String
        var file: String
        var format: RecordFormat
        var rejects: String
        var programme = "default"
        var batch = 5000
        var quiet = false
    }

    struct Help: Error {}

    struct Usage: Error {
        var message: String
    }

    package static func main(_ arguments: [String]) -> Int32 {
        do {
            let options = try parse(arguments)
            JSONLogHandler.bootstrap(function: "puntos-import")
            var configuration = PostgresConfiguration.fromEnvironment(applicationName: "puntos import")
            if ProcessInfo.processInfo.environment["PUNTOS_STATEMENT_TIMEOUT_MS"] == nil {
                configuration.statementTimeoutMilliseconds = 0
            }
            let database = Database(configuration: configuration, logger: Logger(label: "puntos.import"))
            defer { database.close() }
            let summary = try run(options, database: database)
            print(String(decoding: try JSONCoding.encode(summary), as: UTF8.self))
            return summary.rejected > 0 ? 65 : 0
        } catch is Help {
            print(usage)
            return 0
        } catch let error as Usage {
            FileHandle.standardError.write(Data("puntos import: \(error.message)\n\(usage)\n".utf8))
            return 65
        } catch let error as LineReader.Unreadable {
            FileHandle.standardError.write(Data("puntos import: \(error.description)\n".utf8))
            return 65
        } catch {
            let failure = FunctionError(converting: error)
            FileHandle.standardError.write(Data("puntos import: \(failure.message)\n".utf8))
            return failure.exitCode
        }
    }

    static func parse(_ arguments: [String]) throws -> Options {
        var positional: [String] = []
        var format: String?
        var rejects: String?
        var programme = "default"
        var batch = 5000
        var quiet = false
        var index = 0
        func value(_ option: String) throws -> String {
            index += 1
            guard index < arguments.count else { throw Usage(message: "\(option) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--format": format = try value("--format")
            case "--rejects": rejects = try value("--rejects")
            case "--programme": programme = try value("--programme")
            case "--batch":
                guard let size = Int(try value("--batch")), (1...100_000).contains(size) else {
                    throw Usage(message: "--batch must be 1 to 100000")
                }
                batch = size
            case "--quiet": quiet = true
            case "--help", "-h": throw Help()
            case let option where option.hasPrefix("--"): throw Usage(message: "unknown option \(option)")
            case let word: positional.append(word)
            }
            index += 1
        }
        guard positional.count == 2 else { throw Usage(message: "give a kind and a file") }
        let (kind, file) = (positional[0], positional[1])
        guard ["customers", "cards", "invoices", "adjustments"].contains(kind) else {
            throw Usage(message: "unknown kind \(kind): customers, cards, invoices or adjustments")
        }
        guard let chosen = format.map({ RecordFormat(rawValue: $0) }) ?? RecordFormat.of(path: file) else {
            throw Usage(
                message: format == nil
                    ? "cannot tell the format of \(file) from its extension: give --format csv or --format jsonl"
                    : "--format must be csv or jsonl")
        }
        do { _ = try Validate.programme(programme) } catch { throw Usage(message: "--programme is not a programme id") }
        return Options(
            kind: kind, file: file, format: chosen, rejects: rejects ?? file + ".rejects", programme: programme, batch: batch,
            quiet: quiet)
    }

    /// Runs one import on `database`; what the tests call in process.
    package static func run(
        kind: String, file: String, programme: String = "default", rejects: String? = nil, batch: Int = 5000,
        database: Database, now: Date = Date()
    ) throws -> ImportSummary {
        var options = try parse([kind, file, "--programme", programme, "--batch", String(batch), "--quiet"])
        if let rejects { options.rejects = rejects }
        return try run(options, database: database, now: now)
    }

    static func run(_ options: Options, database: Database, now: Date = Date()) throws -> ImportSummary {
        let session = try ImportSession(
            database: database, programme: options.programme, fileName: (options.file as NSString).lastPathComponent,
            kindName: options.kind, now: now)
        switch options.kind {
        case "customers": return try run(CustomerImport(), options, session)
        case "cards": return try run(CardImport(), options, session)
        case "invoices": return try run(InvoiceImport(), options, session)
        default: return try run(AdjustmentImport(), options, session)
        }
    }

    private static func run<Kind: ImportKind>(_ kind: Kind, _ options: Options, _ session: ImportSession) throws
        -> ImportSummary
    {
        let source: any RecordSource =
            options.format == .csv
            ? try CSVSource(path: options.file, kind: kind.eventKind)
            : try JSONLinesSource(path: options.file, kind: kind.eventKind)
        var summary = try ImportRun(
            kind: kind, session: session, source: source, rejects: RejectFile(path: options.rejects),
            progress: ImportProgress(quiet: options.quiet), batchSize: options.batch
        ).run()
        summary.file = options.file
        return summary
    }
}
