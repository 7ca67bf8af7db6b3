import Foundation
import PuntosImport
import PuntosPostgres
import PuntosTestSupport
import Testing

/// A ledger fixture with files to import: written to a folder of their own, imported in process by
/// `ImportCommand.run` (the code `puntos import` runs) into the fixture's programme.
struct ImportFixture {
    let ledger: LedgerFixture
    let folder: URL

    init(_ settings: LedgerFixture.Settings = .init()) throws {
        ledger = try LedgerFixture(settings)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestDatabase.unique("import"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    var programme: String { ledger.programme }

    /// Writes `lines` (one record a line, or CSV rows) to `name` in the folder; answers its path.
    func file(_ name: String, _ lines: [String]) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func run(_ kind: String, _ path: String, batch: Int = 5000, now: Date = Date()) throws -> ImportSummary {
        try ImportCommand.run(
            kind: kind, file: path, programme: programme, batch: batch, database: ledger.database, now: now)
    }

    /// The reject file's records by line: line, field, code and reason.
    func rejects(_ path: String) throws -> [(line: Int, field: String?, code: String, reason: String)] {
        let text = try String(contentsOfFile: path + ".rejects", encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return (
                try #require(object["line"] as? Int), object["field"] as? String, try #require(object["code"] as? String),
                try #require(object["reason"] as? String)
            )
        }.sorted { $0.line < $1.line }
    }

    /// An invoice event's JSON: `lines` as (sku, brand, quantity, amount).
    static func invoice(
        card: String, number: String, date: Date, lines: [(String, String, Int, String)], order: String? = nil
    ) -> String {
        let items = lines.map { #"{"sku":"\#($0.0)","brand":"\#($0.1)","quantity":\#($0.2),"amount":\#($0.3)}"# }
        let orderField = order.map { #","order_number":"\#($0)""# } ?? ""
        return
            #"{"kind":"invoice","card_number":"\#(card)","number":"\#(number)"\#(orderField),"date":"\#(Timestamp.format(date))","currency":"USD","lines":[\#(items.joined(separator: ","))]}"#
    }

    func query<T: PostgresDecodable>(_ sql: SQL, _ column: String) throws -> [T] {
        try ledger.database.withConnection { try $0.query(sql).map { try $0.decode(column) } }
    }
}

extension Date {
    static func daysAgo(_ days: Double) -> Date { Date().addingTimeInterval(-days * 86_400) }
}
