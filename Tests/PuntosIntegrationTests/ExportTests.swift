import Foundation
import PuntosLedger
import PuntosPostgres
import PuntosRewards
import PuntosRuntime
import PuntosTestSupport
import Testing

/// `puntos export ledger|customers|coupons`: what comes out is the ledger's rows, in CSV and JSON lines.
@Suite struct ExportTests {
    /// A known history over three days: invoices with order numbers, a spend with a voucher, an
    /// adjustment whose reason needs quoting and escaping.
    func history() throws -> (LedgerFixture, days: [Date], voucher: String, reason: String) {
        let f = try LedgerFixture()
        let card = try f.card(agreementDaysAgo: 30)
        let base = Date().addingTimeInterval(-10 * 86_400)
        let days = (0..<3).map { base.addingTimeInterval(Double($0) * 86_400) }
        _ = try f.accrue(invoice(card, "INV-1-\(f.programme)", amount: "120.00", order: "ORD-1", date: days[0]), now: days[0])
        let spent = try f.redeem(
            #"{"kind":"redeem","card_number":"\#(card)","order_number":"ORD-2","order_amount":100,"points":50}"#, now: days[1])
        let reason = #"goodwill, "sorry" \ Ñandú"#
        _ = try f.accrue(
            #"{"kind":"adjust","idempotency_key":"adj-\#(f.programme)","card_number":"\#(card)","points":7,"reason":"goodwill, \"sorry\" \\ Ñandú"}"#,
            now: days[2])
        return (f, days, spent.voucherNumber, reason)
    }

    struct Entry: Equatable {
        var id: String, kind: String, points: String, invoice: String, order: String, voucher: String, reason: String
        var source: String
    }

    func entries(_ f: LedgerFixture) throws -> [Entry] {
        try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT id::text, kind, (available_delta + pending_delta + held_delta)::text AS points,
                       coalesce(invoice_number, '') AS invoice, coalesce(order_number, '') AS "order",
                       coalesce(voucher_number, '') AS voucher, coalesce(reason, '') AS reason, source
                FROM ledger_entries WHERE programme_id = \(f.programme) ORDER BY id
                """
            ).map {
                Entry(
                    id: try $0.decode("id"), kind: try $0.decode("kind"), points: try $0.decode("points"),
                    invoice: try $0.decode("invoice"), order: try $0.decode("order"), voucher: try $0.decode("voucher"),
                    reason: try $0.decode("reason"), source: try $0.decode("source"))
            }
        }
    }

    @Test func theLedgerAsCSVAndJSONLinesIsTheLedgersRows() throws {
        let (f, _, voucher, reason) = try history()
        let expected = try entries(f)
        #expect(expected.count == 3)
        #expect(expected.map(\.voucher).contains(voucher))
        #expect(expected.map(\.reason).contains(reason))

        let csv = try FunctionProcess.run("puntos", arguments: ["export", "ledger", "--programme", f.programme])
        #expect(csv.exitCode == 0, "\(csv.stderrText)")
        let table = CSV.parse(csv.stdoutText)
        let header = try #require(table.first)
        for column in [
            "id", "at", "kind", "points", "invoice_number", "order_number", "voucher_number", "rule", "reason", "source",
        ] {
            #expect(header.contains(column), "no \(column) column")
        }
        let column = { (row: [String], name: String) in row[header.firstIndex(of: name)!] }
        let fromCSV = table.dropFirst().map { row in
            Entry(
                id: column(row, "id"), kind: column(row, "kind"), points: column(row, "points"),
                invoice: column(row, "invoice_number"), order: column(row, "order_number"),
                voucher: column(row, "voucher_number"), reason: column(row, "reason"), source: column(row, "source"))
        }
        #expect(fromCSV == expected)

        let jsonl = try FunctionProcess.run(
            "puntos", arguments: ["export", "ledger", "--programme", f.programme, "--format", "jsonl"])
        #expect(jsonl.exitCode == 0, "\(jsonl.stderrText)")
        let lines = jsonl.stdoutText.split(separator: "\n")
        let fromJSON = try lines.map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let text = { (key: String) in (object[key] as? String) ?? (object[key] as? NSNumber)?.stringValue ?? "" }
            #expect(object["rule"] is [String: Any], "rule is a JSON object, not text")
            return Entry(
                id: text("id"), kind: text("kind"), points: text("points"), invoice: text("invoice_number"),
                order: text("order_number"), voucher: text("voucher_number"), reason: text("reason"), source: text("source"))
        }
        #expect(fromJSON == expected)
    }

    @Test func fromAndToChooseTheEntriesByTheirTime() throws {
        let (f, days, voucher, _) = try history()
        let middle = Timestamp.format(days[1])
        let window = try FunctionProcess.run(
            "puntos",
            arguments: [
                "export", "ledger", "--programme", f.programme, "--from", middle, "--to", middle, "--format", "jsonl",
            ])
        #expect(window.exitCode == 0, "\(window.stderrText)")
        let lines = window.stdoutText.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains(voucher) == true)
        let upToFirstDay = try FunctionProcess.run(
            "puntos",
            arguments: ["export", "ledger", "--programme", f.programme, "--to", String(Timestamp.format(days[0]).prefix(10))])
        #expect(CSV.parse(upToFirstDay.stdoutText).count == 2)  // the header and the invoice
        let bad = try FunctionProcess.run("puntos", arguments: ["export", "ledger", "--from", "2026-13-01"])
        #expect(bad.exitCode == 65)
        #expect(bad.stderrText.contains("--from"))
        let format = try FunctionProcess.run("puntos", arguments: ["export", "ledger", "--format", "xml"])
        #expect(format.exitCode == 65)
    }

    @Test func customersComeWithTheirContactsCardAndBalance() throws {
        let (f, _, _, _) = try history()
        let csv = try FunctionProcess.run("puntos", arguments: ["export", "customers", "--programme", f.programme])
        #expect(csv.exitCode == 0, "\(csv.stderrText)")
        let table = CSV.parse(csv.stdoutText)
        #expect(table.count == 2)
        let header = table[0]
        let row = table[1]
        #expect(row[header.firstIndex(of: "available")!] == "77")
        #expect(row[header.firstIndex(of: "programme_id")!] == f.programme)
        #expect(!row[header.firstIndex(of: "active_card")!].isEmpty)
    }

    /// Coupons come with their reward, price and status; never with their codes, which are bearer secrets.
    @Test func couponsComeWithTheirRewardAndStatusButNotTheirCodes() throws {
        let f = try LedgerFixture()
        _ = try f.rewards(tenOff)
        let card = try f.card(points: 300)
        let (used, kept) = (try f.buy(card, "TEN-OFF"), try f.buy(card, "TEN-OFF"))
        _ = try f.rewards(
            #"{"kind":"use_coupon","coupon_code":"\#(used.couponCode)","order_number":"EXP-1","order_amount":"40.00"}"#)
        let csv = try FunctionProcess.run("puntos", arguments: ["export", "coupons", "--programme", f.programme])
        #expect(csv.exitCode == 0, "\(csv.stderrText)")
        let table = CSV.parse(csv.stdoutText)
        #expect(table.count == 3)
        let header = table[0]
        let column = { (name: String) in table.dropFirst().map { $0[header.firstIndex(of: name)!] } }
        #expect(column("reward") == ["TEN-OFF", "TEN-OFF"])
        #expect(column("points") == ["100", "100"])
        #expect(column("status") == ["used", "active"])
        #expect(column("order_number") == ["EXP-1", ""])
        #expect(column("voucher_number") == [used.voucherNumber, kept.voucherNumber])
        for code in [used.couponCode, kept.couponCode] {
            let bare = code.filter { $0.isLetter || $0.isNumber }
            #expect(!csv.stdoutText.contains(code) && !csv.stdoutText.contains(bare))
        }
        let lines = try FunctionProcess.run(
            "puntos", arguments: ["export", "coupons", "--programme", f.programme, "--format", "jsonl"])
        #expect(lines.exitCode == 0, "\(lines.stderrText)")
        let objects = try lines.stdoutText.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.map { $0["discount"] as? Double } == [10, nil])
        #expect(objects.allSatisfy { $0["code"] == nil && $0["partner_code"] == nil })
    }
}

/// RFC 4180, as PostgreSQL writes it: quoted fields may hold commas, doubled quotes and line breaks.
enum CSV {
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        field.append("\"")
                        characters.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                row.append(field)
                field = ""
            } else if character == "\n" {
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.append(character)
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }
}
