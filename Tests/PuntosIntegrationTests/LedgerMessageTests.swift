import Foundation
import PuntosDelivery
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// What members are told about the ledger: every points notice the ledger writes, rendered in every
/// shipped locale, says the amount that moved as a positive number (the words say which way), the
/// available balance the entry left, and never more of the card number than its last four digits.
@Suite struct LedgerMessageTests {
    struct Written {
        let kind: String
        let moved: Int64
        let available: Int64
        let payload: [String: JSONValue]
    }

    /// The notices written for the fixture's entries, with the entry's own deltas and the balance after.
    func notices(_ f: LedgerFixture) throws -> [Written] {
        try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT n.kind, n.payload::text AS payload,
                       greatest(abs(e.available_delta + e.pending_delta), abs(e.held_delta)) AS moved,
                       sum(e.available_delta) OVER (PARTITION BY e.customer_id ORDER BY e.id) AS available
                FROM ledger_entries e JOIN notices n ON n.dedupe_key = 'ledger:' || e.id::text
                WHERE e.programme_id = \(f.programme)
                ORDER BY e.id
                """
            ).map { row in
                let text: String = try row.decode("payload")
                guard case .object(let payload) = try JSONCoding.decoder().decode(JSONValue.self, from: Data(text.utf8)) else {
                    throw TestDatabase.Missing(description: "a notice payload is not an object")
                }
                return Written(
                    kind: try row.decode("kind"), moved: try row.decode("moved"), available: try row.decode("available"),
                    payload: payload)
            }
        }
    }

    @Test func everyPointsMessageSaysTheAmountTheWayAndTheBalance() throws {
        var settings = LedgerFixture.Settings()
        settings.pendingDays = 1
        settings.expiry = "rolling"
        settings.expiryDays = 30
        let f = try LedgerFixture(settings)
        let card = try f.card()
        let start = Date()
        let day: (Double) -> Date = { start.addingTimeInterval($0 * 86_400) }
        _ = try f.accrue(invoice(card, "M-1", amount: "1000.00", date: start, quantity: 2), now: start)
        _ = try f.expire(now: day(2))  // activated
        _ = try f.redeem(
            #"{"kind":"hold","card_number":"\#(card)","order_number":"MO-1","order_amount":100,"points":300,"minutes":15}"#,
            now: day(2))
        _ = try f.redeem(#"{"kind":"commit","order_number":"MO-1","order_amount":100,"points":300}"#, now: day(2))
        _ = try f.redeem(
            #"{"kind":"hold","card_number":"\#(card)","order_number":"MO-2","order_amount":100,"points":100,"minutes":15}"#,
            now: day(2))
        _ = try f.redeem(#"{"kind":"release","order_number":"MO-2","reason":"left"}"#, now: day(2))
        _ = try f.redeem(
            #"{"kind":"redeem","card_number":"\#(card)","order_number":"MO-3","order_amount":100,"points":200}"#, now: day(2))
        _ = try f.accrue(#"{"kind":"cancel","order_number":"MO-3"}"#, now: day(2))
        _ = try f.accrue(
            #"{"kind":"return","return_number":"MR-1","invoice_number":"M-1","lines":[{"line":0,"quantity":1}]}"#, now: day(3))
        _ = try f.accrue(
            #"{"kind":"adjust","idempotency_key":"\#(f.programme)-plus","card_number":"\#(card)","points":50,"reason":"sorry"}"#,
            now: day(3))
        _ = try f.accrue(
            #"{"kind":"adjust","idempotency_key":"\#(f.programme)-minus","card_number":"\#(card)","points":-20,"reason":"fix"}"#,
            now: day(3))
        _ = try f.accrue(invoice(card, "M-2", amount: "80.00", date: day(3)), now: day(3))
        _ = try f.expire(now: day(5))
        _ = try f.expire(now: day(40))  // the M-2 lot expires

        let written = try notices(f)
        let kinds = Set(written.map(\.kind))
        for kind in [
            "points_earned", "points_activated", "points_held", "points_spent", "points_released", "points_restored",
            "points_returned", "points_adjusted", "points_expired",
        ] {
            #expect(kinds.contains(kind), "no \(kind) notice was written: \(kinds.sorted())")
        }
        for notice in written {
            #expect(notice.payload["card_number"] == nil, "\(notice.kind) carries the full card number")
            for locale in MessageTemplates.locales {
                let message = MessageTemplates.render(
                    NoticeFacts(kind: notice.kind, name: "Ana", payload: notice.payload), locale: locale)
                let text = message.subject + " " + message.line
                #expect(!text.contains(card), "\(notice.kind)/\(locale) shows the card number: \(text)")
                #expect(!text.contains("-\(notice.moved)"), "\(notice.kind)/\(locale) shows a signed amount: \(text)")
                #expect(message.subject.contains("\(notice.moved)"), "\(notice.kind)/\(locale): \(message.subject)")
                #expect(message.line.contains("\(notice.moved)"), "\(notice.kind)/\(locale): \(message.line)")
                #expect(
                    message.line.contains(" \(notice.available) "),
                    "\(notice.kind)/\(locale) does not show the balance \(notice.available): \(message.line)")
                #expect(
                    !["News about your account", "Novedades de tu cuenta", "Новости вашего счёта"].contains(message.subject),
                    "\(notice.kind) has no template")
            }
        }
        // No payload key left unrendered, expiry notices included.
        let expiring = try f.database.withConnection { connection in
            try connection.query(
                "SELECT payload::text AS payload FROM notices WHERE programme_id = \(f.programme) AND kind = 'points_expiring'"
            ).map { row -> [String: JSONValue] in
                let text: String = try row.decode("payload")
                guard case .object(let payload) = try JSONCoding.decoder().decode(JSONValue.self, from: Data(text.utf8)) else {
                    return [:]
                }
                return payload
            }
        }
        #expect(!expiring.isEmpty, "no points_expiring notice was written")
        for notice in written { PayloadCoverage.expectEveryKeyAccountedFor(notice.kind, notice.payload) }
        for payload in expiring { PayloadCoverage.expectEveryKeyAccountedFor("points_expiring", payload) }
        // A commit names its order and voucher; an invoice's points name the invoice.
        for notice in written where notice.kind == "points_spent" {
            let line = MessageTemplates.render(NoticeFacts(kind: notice.kind, name: nil, payload: notice.payload), locale: "en")
                .line
            for key in ["order_number", "voucher_number"] {
                if case .string(let value)? = notice.payload[key] { #expect(line.contains(value), "\(line) lacks \(key)") }
            }
        }
        // The two adjustments read their own way.
        let adjustments = written.filter { $0.kind == "points_adjusted" }.map {
            MessageTemplates.render(NoticeFacts(kind: $0.kind, name: nil, payload: $0.payload), locale: "en").subject
        }
        #expect(adjustments == ["50 points added", "20 points deducted"])
    }
}
