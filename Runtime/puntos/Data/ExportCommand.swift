import ArgumentParser
import Foundation
import PuntosPostgres

#if canImport(Glibc)
    import Glibc
#endif

/// `puntos export ledger|customers|coupons`: streams rows to standard output with `COPY … TO STDOUT`
/// (`PostgresConnection.copyOut`), one row in memory at a time, from one consistent snapshot.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Stream the ledger, the customers or the coupons as CSV or JSON lines, for a BI loader or another system.",
        subcommands: [Ledger.self, Customers.self, Coupons.self])

    struct Options: ParsableArguments {
        @Option(help: "From this moment on: a date (its start, UTC) or an RFC 3339 timestamp.")
        var from: String?
        @Option(help: "Up to this moment: a date (its end, UTC) or an RFC 3339 timestamp; now without it.")
        var to: String?
        @Option(help: "Only this programme.")
        var programme: String?
        @Option(help: "csv (with a header line) or jsonl (one JSON object a line).")
        var format = "csv"

        /// The settings the COPY statement reads with current_setting(): COPY takes no bind parameters.
        func settings() throws -> (from: Date, to: Date, programme: String, format: ExportFormat) {
            guard let format = ExportFormat(rawValue: format) else {
                throw DataCommand.usage("--format", "--format must be csv or jsonl")
            }
            let from =
                try from.map { try DataCommand.moment($0, option: "--from", endOfDay: false) } ?? Date(timeIntervalSince1970: 0)
            let to = try to.map { try DataCommand.moment($0, option: "--to", endOfDay: true) } ?? Date()
            guard from <= to else { throw DataCommand.usage("--from", "--from must not be after --to") }
            return (from, to, try DataCommand.programme(programme) ?? "", format)
        }
    }

    struct Ledger: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ledger entries (puntos_bi.ledger_entries) whose time is within --from and --to, oldest first.")

        @OptionGroup var options: Options

        func run() throws {
            let settings = try options.settings()
            try LedgerExport.run(
                settings.format == .csv ? LedgerExport.ledgerCSV : LedgerExport.ledgerJSONLines, settings: settings)
        }
    }

    struct Customers: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Customers created within --from and --to, with contacts, active card, agreement and balances.")

        @OptionGroup var options: Options

        func run() throws {
            let settings = try options.settings()
            try LedgerExport.run(
                settings.format == .csv ? LedgerExport.customersCSV : LedgerExport.customersJSONLines, settings: settings)
        }
    }

    struct Coupons: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Coupons (puntos_bi.coupons) bought within --from and --to, with their reward and status; no codes.")

        @OptionGroup var options: Options

        func run() throws {
            let settings = try options.settings()
            try LedgerExport.run(
                settings.format == .csv ? LedgerExport.couponsCSV : LedgerExport.couponsJSONLines, settings: settings)
        }
    }
}

enum ExportFormat: String { case csv, jsonl }

/// The export statements and the streaming loop.
enum LedgerExport {
    static let ledgerCSV: SQL = """
        COPY (SELECT * FROM puntos_bi.ledger_entries
              WHERE at >= current_setting('puntos.export_from')::timestamptz AND at <= current_setting('puntos.export_to')::timestamptz
                AND (current_setting('puntos.export_programme') = '' OR programme_id = current_setting('puntos.export_programme'))
              ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER true)
        """
    static let ledgerJSONLines: SQL = """
        COPY (SELECT row_to_json(e) FROM puntos_bi.ledger_entries e
              WHERE at >= current_setting('puntos.export_from')::timestamptz AND at <= current_setting('puntos.export_to')::timestamptz
                AND (current_setting('puntos.export_programme') = '' OR programme_id = current_setting('puntos.export_programme'))
              ORDER BY id) TO STDOUT
        """
    static let customersCSV: SQL = """
        COPY (SELECT u.id, u.programme_id, u.external_id, u.email, u.phone, u.name, u.locale, u.segment, u.created_at,
                     b.active_card, b.agreement_accepted_at, b.available, b.pending, b.held, b.available_value, b.currency
              FROM customers u JOIN puntos_bi.customers b ON b.id = u.id
              WHERE u.created_at >= current_setting('puntos.export_from')::timestamptz
                AND u.created_at <= current_setting('puntos.export_to')::timestamptz
                AND (current_setting('puntos.export_programme') = '' OR u.programme_id = current_setting('puntos.export_programme'))
              ORDER BY u.id) TO STDOUT WITH (FORMAT csv, HEADER true)
        """
    static let customersJSONLines: SQL = """
        COPY (SELECT row_to_json(x) FROM (
                SELECT u.id, u.programme_id, u.external_id, u.email, u.phone, u.name, u.locale, u.segment, u.created_at,
                       b.active_card, b.agreement_accepted_at, b.available, b.pending, b.held, b.available_value, b.currency
                FROM customers u JOIN puntos_bi.customers b ON b.id = u.id
                WHERE u.created_at >= current_setting('puntos.export_from')::timestamptz
                  AND u.created_at <= current_setting('puntos.export_to')::timestamptz
                  AND (current_setting('puntos.export_programme') = '' OR u.programme_id = current_setting('puntos.export_programme'))
                ORDER BY u.id) x) TO STDOUT
        """

    static let couponsCSV: SQL = """
        COPY (SELECT * FROM puntos_bi.coupons
              WHERE bought_at >= current_setting('puntos.export_from')::timestamptz
                AND bought_at <= current_setting('puntos.export_to')::timestamptz
                AND (current_setting('puntos.export_programme') = '' OR programme_id = current_setting('puntos.export_programme'))
              ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER true)
        """
    static let couponsJSONLines: SQL = """
        COPY (SELECT row_to_json(c) FROM puntos_bi.coupons c
              WHERE bought_at >= current_setting('puntos.export_from')::timestamptz
                AND bought_at <= current_setting('puntos.export_to')::timestamptz
                AND (current_setting('puntos.export_programme') = '' OR programme_id = current_setting('puntos.export_programme'))
              ORDER BY id) TO STDOUT
        """

    static func run(_ statement: SQL, settings: (from: Date, to: Date, programme: String, format: ExportFormat)) throws {
        let database = DataCommand.database("export")
        defer { database.close() }
        let output = BufferedOutput()
        try DataCommand.run("export") {
            try database.withConnection { connection in
                // One snapshot for the whole export; read only.
                try connection.runScript("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                try connection.query(
                    """
                    SELECT set_config('puntos.export_from', \(Timestamp.format(settings.from)), true),
                           set_config('puntos.export_to', \(Timestamp.format(settings.to)), true),
                           set_config('puntos.export_programme', \(settings.programme), true)
                    """)
                let unescape = settings.format == .jsonl
                try connection.copyOut(statement) { row in
                    // Text COPY escapes backslashes (and control characters) in the JSON: undo it. CSV is as is.
                    if unescape { try output.writeUnescapingCopyText(row) } else { try output.write(row) }
                }
                try connection.runScript("COMMIT")
            }
            try output.flush()
        }
    }
}

/// Standard output through a 64 KiB buffer: the one buffer an export holds.
final class BufferedOutput {
    private var buffer: [UInt8] = []
    private let capacity = 65_536

    struct Closed: Error, CustomStringConvertible {
        var description: String { "standard output was closed" }
    }

    init() { buffer.reserveCapacity(capacity) }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > capacity { try flush() }
        buffer.append(contentsOf: bytes)
    }

    /// COPY's text format: `\\` is a backslash, `\n` `\r` `\t` `\b` `\f` `\v` control characters.
    func writeUnescapingCopyText(_ bytes: UnsafeRawBufferPointer) throws {
        // Most rows have no backslash: nothing to undo (memchr, not a byte loop).
        guard let base = bytes.baseAddress, memchr(base, 0x5C, bytes.count) != nil else { return try write(bytes) }
        if buffer.count + bytes.count > capacity { try flush() }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                index += 1
                switch bytes[index] {
                case UInt8(ascii: "n"): buffer.append(0x0A)
                case UInt8(ascii: "r"): buffer.append(0x0D)
                case UInt8(ascii: "t"): buffer.append(0x09)
                case UInt8(ascii: "b"): buffer.append(0x08)
                case UInt8(ascii: "f"): buffer.append(0x0C)
                case UInt8(ascii: "v"): buffer.append(0x0B)
                default: buffer.append(bytes[index])
                }
            } else {
                buffer.append(byte)
            }
            index += 1
        }
    }

    func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { Glibc.write(1, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Closed()
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
