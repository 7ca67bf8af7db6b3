import ArgumentParser
import Foundation
import PuntosPostgres
import PuntosRuntime

/// `puntos report liability`: what the unspent points are worth, per programme and segment and per
/// expiry month, as of a date, from `puntos_bi.points_liability_at` and `points_expiry_at`
/// (migrations/0100): the sums of the ledger, the same figures as `balance` kind `liability`.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Reports for finance.", subcommands: [Liability.self])

    struct Liability: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Outstanding available, pending and held points and their money value, per programme, segment and expiry month.")

        @Option(help: "The moment of the report: a date (its end, UTC) or an RFC 3339 timestamp; now without it.")
        var asOf: String?
        @Option(help: "Only this programme; every programme without it.")
        var programme: String?
        @Option(help: "table, json or csv.")
        var format = "table"

        func run() throws {
            guard ["table", "json", "csv"].contains(format) else {
                throw DataCommand.usage("--format", "--format must be table, json or csv")
            }
            let programme = try DataCommand.programme(programme)
            let asOf = try asOf.map { try DataCommand.moment($0, option: "--as-of", endOfDay: true) } ?? Date()
            let database = DataCommand.database("report")
            defer { database.close() }
            try DataCommand.run("report") {
                let report = try database.withTransaction(isolation: .repeatableRead) { connection in
                    try LiabilityRows.read(connection, asOf: asOf, programme: programme)
                }
                if let programme, report.figures.isEmpty,
                    try database.withConnection({ try $0.query("SELECT 1 FROM programmes WHERE id = \(programme)").isEmpty })
                {
                    FileHandle.standardError.write(Data("puntos report: there is no programme \"\(programme)\"\n".utf8))
                    throw ExitCode(69)
                }
                print(try report.render(format), terminator: "")
            }
        }
    }
}

/// The report's rows, as text: numbers exactly as PostgreSQL printed them (numeric values are exact).
struct LiabilityRows: Encodable {
    var asOf: Date
    var figures: [Figures]
    var expiry: [Expiry]

    struct Figures: Encodable {
        var programme, currency, pointValue: String
        var segment: String?
        var isTotal: Bool
        var customers, available, pending, held, negative, availableValue, pendingValue, heldValue: String
    }

    struct Expiry: Encodable {
        var programme, currency: String
        var month: String?
        var lots, available, pending, availableValue, pendingValue: String
    }

    static func read(_ connection: PostgresConnection, asOf: Date, programme: String?) throws -> LiabilityRows {
        let figures = try connection.query(
            """
            SELECT programme_id, currency::text, point_value::text, segment, grouping(segment) = 1 AS is_total,
                   sum(customers)::text AS customers, sum(available)::text AS available, sum(pending)::text AS pending,
                   sum(held)::text AS held, sum(negative)::text AS negative, sum(available_value)::text AS available_value,
                   sum(pending_value)::text AS pending_value, sum(held_value)::text AS held_value
            FROM puntos_bi.points_liability_at(\(asOf))
            WHERE \(programme)::text IS NULL OR programme_id = \(programme)::text
            GROUP BY GROUPING SETS ((programme_id, currency, point_value), (programme_id, currency, point_value, segment))
            ORDER BY programme_id, is_total DESC, segment NULLS FIRST
            """
        ).map { row in
            Figures(
                programme: try row.decode("programme_id"), currency: try row.decode("currency"),
                pointValue: try row.decode("point_value"), segment: try row.decodeIfPresent("segment"),
                isTotal: try row.decode("is_total"), customers: try row.decode("customers"),
                available: try row.decode("available"), pending: try row.decode("pending"), held: try row.decode("held"),
                negative: try row.decode("negative"), availableValue: try row.decode("available_value"),
                pendingValue: try row.decode("pending_value"), heldValue: try row.decode("held_value"))
        }
        let expiry = try connection.query(
            """
            SELECT programme_id, currency::text, to_char(expiry_month, 'YYYY-MM') AS month, lots::text, available::text,
                   pending::text, available_value::text, pending_value::text
            FROM puntos_bi.points_expiry_at(\(asOf))
            WHERE \(programme)::text IS NULL OR programme_id = \(programme)::text
            ORDER BY programme_id, expiry_month NULLS LAST
            """
        ).map { row in
            Expiry(
                programme: try row.decode("programme_id"), currency: try row.decode("currency"),
                month: try row.decodeIfPresent("month"), lots: try row.decode("lots"),
                available: try row.decode("available"), pending: try row.decode("pending"),
                availableValue: try row.decode("available_value"), pendingValue: try row.decode("pending_value"))
        }
        return LiabilityRows(asOf: asOf, figures: figures, expiry: expiry)
    }

    func render(_ format: String) throws -> String {
        switch format {
        case "json": return json()
        case "csv": return csv()
        default: return table()
        }
    }

    /// One CSV: a `section` column tells the segment rows (`liability`) from the month rows (`expiry`);
    /// a liability row with an empty segment and `total` true is the programme's total.
    private func csv() -> String {
        var out =
            "section,programme,currency,point_value,segment,total,month,customers,lots,available,pending,held,negative,"
            + "available_value,pending_value,held_value\n"
        for f in figures {
            out +=
                [
                    "liability", f.programme, f.currency, f.pointValue, f.segment ?? "", f.isTotal ? "true" : "false", "",
                    f.customers, "", f.available, f.pending, f.held, f.negative, f.availableValue, f.pendingValue,
                    f.heldValue,
                ].map(DataCommand.csv).joined(separator: ",") + "\n"
        }
        for e in expiry {
            out +=
                [
                    "expiry", e.programme, e.currency, "", "", "", e.month ?? "never", "", e.lots, e.available, e.pending, "",
                    "", e.availableValue, e.pendingValue, "",
                ].map(DataCommand.csv).joined(separator: ",") + "\n"
        }
        return out
    }

    /// `{"as_of", "programmes":[{programme, currency, point_value, totals, segments, expiry}]}`, the
    /// shape of `balance` kind `liability` per programme; numbers as JSON numbers.
    private func json() -> String {
        func string(_ text: String?) -> String {
            guard let text else { return "null" }
            let data = try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
            return data.map { String(decoding: $0.dropFirst().dropLast(), as: UTF8.self) } ?? "null"
        }
        func figure(_ f: Figures) -> String {
            "{\"available\":\(f.available),\"available_value\":\(f.availableValue),\"customers\":\(f.customers),"
                + "\"held\":\(f.held),\"held_value\":\(f.heldValue),\"negative\":\(f.negative),\"pending\":\(f.pending),"
                + "\"pending_value\":\(f.pendingValue),\"segment\":\(f.isTotal ? "null" : string(f.segment))}"
        }
        let programmes = Array(Set(figures.map(\.programme)).union(expiry.map(\.programme))).sorted()
        let parts = programmes.map { id -> String in
            let rows = figures.filter { $0.programme == id }
            let months = expiry.filter { $0.programme == id }
            let total = rows.first { $0.isTotal }
            let currency = total?.currency ?? months.first?.currency ?? ""
            let monthsJSON = months.map {
                "{\"available\":\($0.available),\"available_value\":\($0.availableValue),\"lots\":\($0.lots),"
                    + "\"month\":\(string($0.month)),\"pending\":\($0.pending),\"pending_value\":\($0.pendingValue)}"
            }
            return "{\"currency\":\(string(currency)),\"expiry\":[\(monthsJSON.joined(separator: ","))],"
                + "\"point_value\":\(total?.pointValue ?? "null"),\"programme\":\(string(id)),"
                + "\"segments\":[\(rows.filter { !$0.isTotal }.map(figure).joined(separator: ","))],"
                + "\"totals\":\(total.map(figure) ?? "null")}"
        }
        return "{\"as_of\":\(string(Timestamp.format(asOf))),\"programmes\":[\(parts.joined(separator: ","))],"
            + "\"tiers\":\"none: Puntos has no tiers yet\"}\n"
    }

    private func table() -> String {
        func render(_ rows: [[String]]) -> String {
            let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            return rows.map { row in
                row.enumerated().map { column, text in
                    column == 0 || column == 1
                        ? text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[column] - text.count) + text
                }.joined(separator: "  ")
            }.joined(separator: "\n") + "\n"
        }
        var out = "Points liability as of \(Timestamp.format(asOf)) (value at each programme's point value now; "
        out += "tiers: none, Puntos has no tiers yet)\n\n"
        var liability = [
            [
                "PROGRAMME", "SEGMENT", "CUSTOMERS", "AVAILABLE", "PENDING", "HELD", "NEGATIVE", "AVAILABLE VALUE",
                "PENDING VALUE", "HELD VALUE", "CURRENCY",
            ]
        ]
        for f in figures {
            liability.append([
                f.programme, f.isTotal ? "(total)" : f.segment ?? "(none)", f.customers, f.available, f.pending, f.held,
                f.negative, f.availableValue, f.pendingValue, f.heldValue, f.currency,
            ])
        }
        out += liability.count > 1 ? render(liability) : "no points outstanding\n"
        out += "\nBy expiry month (UTC; held points are in no lot)\n\n"
        var months = [["PROGRAMME", "MONTH", "LOTS", "AVAILABLE", "PENDING", "AVAILABLE VALUE", "PENDING VALUE", "CURRENCY"]]
        for e in expiry {
            months.append([
                e.programme, e.month ?? "never", e.lots, e.available, e.pending, e.availableValue, e.pendingValue, e.currency,
            ])
        }
        out += months.count > 1 ? render(months) : "no points in lots\n"
        return out
    }
}
