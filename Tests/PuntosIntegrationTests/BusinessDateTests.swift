import Foundation
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import Testing

/// Dates as the business saw them (issue 15, item 12): an invoice recorded late is shown, expires,
/// activates and is announced by its own date.
@Suite struct BusinessDateTests {
    /// When the ledger records the invoices of these tests.
    static let now = date("2026-11-30T12:00:00Z")

    static func date(_ text: String) -> Date { Timestamp.parse(text)! }

    func configure(_ f: LedgerFixture, _ body: String) throws -> ConfigureResult {
        try Configure().handle(try EventDecoding.decode(ConfigureEvent.self, from: f.json(body)), context: f.context(Self.now))
    }

    /// A card whose agreement was accepted on 2025-01-01, long before every invoice here.
    func card(_ f: LedgerFixture) throws -> String {
        try f.card(agreementDaysAgo: Date().timeIntervalSince(Self.date("2025-01-01T00:00:00Z")) / 86_400)
    }

    func invoice(_ f: LedgerFixture, _ card: String, _ number: String, amount: Int, dated: String) throws -> AccrueResult {
        try f.accrue(
            #"{"kind":"invoice","card_number":"\#(card)","number":"\#(number)","date":"\#(dated)","currency":"USD","lines":[{"sku":"A","quantity":1,"amount":\#(amount)}]}"#,
            now: Self.now)
    }

    /// The lot an invoice credited: when it activates and expires, and what is left.
    func lot(_ f: LedgerFixture, _ number: String) throws -> (activates: Date, expires: Date?, active: Bool, remaining: Int64) {
        let row = try f.database.withConnection {
            try $0.query(
                """
                SELECT l.activates_at, l.expires_at, l.active, l.remaining FROM lots l JOIN invoices i ON i.id = l.invoice_id
                WHERE i.programme_id = \(f.programme) AND i.number = \(number)
                """
            ).one()
        }
        return (
            try row.decode("activates_at"), try row.decodeIfPresent("expires_at"), try row.decode("active"),
            try row.decode("remaining")
        )
    }

    /// The status of the notices of an invoice's entries, oldest entry first, with why one was withheld.
    func notices(_ f: LedgerFixture, _ number: String) throws -> [String] {
        try f.database.withConnection {
            try $0.query(
                """
                SELECT n.status || coalesce(':' || n.last_error, '') AS s
                FROM ledger_entries e JOIN notices n ON n.dedupe_key = 'ledger:' || e.id::text
                WHERE e.programme_id = \(f.programme) AND e.invoice_number = \(number) ORDER BY e.id
                """
            ).map { try $0.decode("s") }
        }
    }

    func statement(_ f: LedgerFixture, _ card: String, now: Date = now) throws -> [StatementEntry] {
        try f.balance(#"{"kind":"statement","card_number":"\#(card)"}"#, now: now).entries ?? []
    }

    @Test func anOldInvoiceIsShownAndExpiresByItsDateAndSendsNoNotice() throws {
        var settings = LedgerFixture.Settings()
        settings.expiry = "rolling"
        settings.expiryDays = 180
        let f = try LedgerFixture(settings)
        let card = try card(f)

        // Dated 180 days and 2.5 hours before it is recorded: its points expired at 09:30 today.
        let late = try invoice(f, card, "INV-0603", amount: 100, dated: "2026-06-03T09:30:00Z")
        #expect(late.status == "accrued")
        #expect(late.points == 100)
        #expect(late.balance.available == 0)
        let expiredLot = try lot(f, "INV-0603")
        #expect(expiredLot.expires == Self.date("2026-11-30T09:30:00Z"))
        #expect(expiredLot.remaining == 0)
        let entries = try statement(f, card).filter { $0.invoiceNumber == "INV-0603" }
        #expect(entries.map(\.kind) == ["expiry", "accrual"])
        #expect(entries.map(\.points) == [-100, 100])
        #expect(entries[1].at == Self.date("2026-06-03T09:30:00Z"))
        #expect(entries[1].recordedAt == Self.now)
        #expect(entries[0].at == Self.date("2026-11-30T09:30:00Z"))
        #expect(entries[0].recordedAt == Self.now)
        #expect(entries[0].reason == "points expired before they were recorded")
        #expect(try notices(f, "INV-0603") == ["suppressed:invoice_too_old", "suppressed:invoice_too_old"])

        // 120 days old: available, expiring 180 days after its date; still too old to announce.
        let august = try invoice(f, card, "INV-0802", amount: 200, dated: "2026-08-02T10:00:00Z")
        #expect(august.balance.available == 200)
        #expect(try lot(f, "INV-0802").expires == Self.date("2027-01-29T10:00:00Z"))
        #expect(try notices(f, "INV-0802") == ["suppressed:invoice_too_old"])

        // 20 days old: announced.
        _ = try invoice(f, card, "INV-1110", amount: 300, dated: "2026-11-10T08:00:00Z")
        #expect(try lot(f, "INV-1110").expires == Self.date("2027-05-09T08:00:00Z"))
        #expect(try notices(f, "INV-1110") == ["pending"])
        #expect(try f.balance(of: card).available == 500)

        // The sweep finds nothing more to expire today; months later each expiry is dated by its lot.
        #expect(try f.expire(now: Self.now).expired == 0)
        #expect(try f.expire(now: Self.date("2027-05-10T00:00:00Z")).expired == 500)
        let swept = try statement(f, card).filter { $0.kind == "expiry" && $0.source == "expire" }
        #expect(swept.map(\.at) == [Self.date("2027-05-09T08:00:00Z"), Self.date("2027-01-29T10:00:00Z")])
        #expect(swept.map(\.recordedAt) == [Self.date("2027-05-10T00:00:00Z"), Self.date("2027-05-10T00:00:00Z")])
        try f.checkInvariants()
    }

    @Test func theReturnWindowCountsFromTheInvoiceDate() throws {
        var settings = LedgerFixture.Settings()
        settings.pendingDays = 14
        let f = try LedgerFixture(settings)
        let card = try card(f)
        // 20 days old: its 14-day window closed on 2026-11-24, so it arrives available.
        let closed = try invoice(f, card, "INV-1110", amount: 100, dated: "2026-11-10T08:00:00Z")
        #expect(closed.balance.available == 100)
        #expect(closed.balance.pending == 0)
        let closedLot = try lot(f, "INV-1110")
        #expect(closedLot.activates == Self.date("2026-11-24T08:00:00Z"))
        #expect(closedLot.active)
        // 5 days old: pending until 2026-12-09 15:00, not 14 days from today.
        let open = try invoice(f, card, "INV-1125", amount: 300, dated: "2026-11-25T15:00:00Z")
        #expect(open.balance.pending == 300)
        #expect(try lot(f, "INV-1125").activates == Self.date("2026-12-09T15:00:00Z"))
        #expect(try f.expire(now: Self.date("2026-12-09T14:59:59Z")).activated == 0)
        // A sweep that runs the next morning dates the activation when the window closed.
        #expect(try f.expire(now: Self.date("2026-12-10T06:00:00Z")).activated == 300)
        #expect(try f.balance(of: card).available == 400)
        let activation = try #require(try statement(f, card).first)
        #expect(activation.kind == "activation")
        #expect(activation.at == Self.date("2026-12-09T15:00:00Z"))
        #expect(activation.recordedAt == Self.date("2026-12-10T06:00:00Z"))
        try f.checkInvariants()
    }

    @Test func theProgrammeSetsHowOldAnInvoiceMayBeToBeAnnounced() throws {
        let f = try LedgerFixture()
        let card = try card(f)
        #expect(try configure(f, #"{"kind":"settings"}"#).noticeMaxAgeDays == 30)
        #expect(try configure(f, #"{"kind":"settings","notice_max_age_days":7}"#).noticeMaxAgeDays == 7)
        _ = try invoice(f, card, "INV-A", amount: 10, dated: "2026-11-23T12:00:00Z")
        _ = try invoice(f, card, "INV-B", amount: 10, dated: "2026-11-23T11:59:59Z")
        #expect(try notices(f, "INV-A") == ["pending"])
        #expect(try notices(f, "INV-B") == ["suppressed:invoice_too_old"])
        // A claim approved today is announced by its receipt's date too.
        _ = try f.accrue(
            #"{"kind":"invoice","card_number":"\#(card)","number":"RCPT-9","date":"2026-10-01T10:00:00Z","currency":"USD","moderation":true,"lines":[{"sku":"A","quantity":1,"amount":40}]}"#,
            now: Self.now)
        let approved = try f.accrue(#"{"kind":"approve","invoice_number":"RCPT-9"}"#, now: Self.now)
        #expect(approved.balance.available == 60)
        #expect(try notices(f, "RCPT-9") == ["suppressed:invoice_too_old"])
        #expect(try statement(f, card).first?.at == Self.date("2026-10-01T10:00:00Z"))
        let bad = f.failure { try configure(f, #"{"kind":"settings","notice_max_age_days":4000}"#) }
        #expect(bad?.field == "notice_max_age_days")
        #expect(bad?.exitCode == 65)
        try f.checkInvariants()
    }
}
