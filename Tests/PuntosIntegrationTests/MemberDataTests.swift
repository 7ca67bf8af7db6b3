import Foundation
import PuntosAlerts
import PuntosCards
import PuntosCore
import PuntosData
import PuntosLedger
import PuntosPostgres
import PuntosRewards
import PuntosRuntime
import PuntosTestSupport
import Testing

/// `member-data`: a member's data exported, then erased with the ledger's sums kept.
@Suite struct MemberDataTests {
    /// A member with everything Puntos can hold on one: a card registered under an idempotency key,
    /// points earned and spent, an alert and a guest alert under their e-mail, notices, a delivery
    /// attempt whose SMTP answer quotes the address, settings, an unsubscribe, a queued event.
    struct Member {
        let f: LedgerFixture
        let alerts: AlertsConfiguration
        let card: String
        /// The member's own card (`card` is another customer's).
        let memberCard: String
        let externalId: String
        let email: String
        let typedEmail: String
        let phone: String
        let typedPhone: String
        let name: String

        /// Every personal value, as stored and as a caller typed it.
        var personal: [String] { [externalId, email, typedEmail, phone, typedPhone, name] }

        init() throws {
            f = try LedgerFixture()
            alerts = AlertsConfiguration(signingSecret: "member-data-tests", publicURL: "https://shop.example")
            let tag = UUID().uuidString.lowercased().prefix(8)
            externalId = "MD-\(tag)"
            email = "zoe.\(tag)@example.com"
            typedEmail = "Zoe.\(tag.uppercased())@Example.com"
            let digits = String((0..<9).map { _ in "0123456789".randomElement()! })
            phone = "+19\(digits)"
            typedPhone = "+1 9\(digits.prefix(2)) \(digits.dropFirst(2))"
            name = #"Zoë "Z" Quiñones \#(tag)"#
            card = try f.card(agreementDaysAgo: 30)  // a second customer, so the erasure must choose
            let issued = try RegisterCard().handle(
                try EventDecoding.decode(
                    RegisterCardEvent.self,
                    from: f.json(
                        #"{"kind":"issue","idempotency_key":"issue-\#(tag)","customer":{"external_id":"\#(externalId)","email":"\#(typedEmail)","phone":"\#(typedPhone)","name":"Zoë \"Z\" Quiñones \#(tag)","locale":"es"}}"#
                    )), context: f.context())
            let number = issued.card.number
            memberCard = number
            _ = try RegisterCard().handle(
                try EventDecoding.decode(
                    RegisterCardEvent.self,
                    from: f.json(
                        #"{"kind":"accept_agreement","card_number":"\#(number)","version":"v1","accepted_at":"\#(Timestamp.format(Date().addingTimeInterval(-86_400)))"}"#
                    )), context: f.context())
            _ = try f.accrue(invoice(number, "MD-INV-\(tag)", amount: "300.00", order: "MD-ORD-\(tag)"))
            _ = try f.redeem(
                #"{"kind":"redeem","card_number":"\#(number)","order_number":"MD-R-\#(tag)","order_amount":100,"points":40}"#)
            _ = try f.accrue(invoice(card, "OTHER-\(tag)", amount: "50.00"))
            for subscriber in [#"{"card_number":"\#(number)"}"#, #"{"email":"\#(typedEmail)"}"#] {
                let object =
                    #"{"programme":"\#(f.programme)","kind":"stock","subscriber":\#(subscriber),"store":"web","sku":"MUG-\#(tag)","product_name":"Mug"}"#
                _ = try Subscribe(configuration: alerts).handle(
                    try EventDecoding.decode(SubscribeEvent.self, from: Data(object.utf8)), context: f.context())
            }
            let customer = try Self.customerId(f, externalId)
            try f.database.withConnection { connection in
                let notice: Int64 = try connection.query(
                    "SELECT id FROM notices WHERE customer_id = \(customer) ORDER BY id LIMIT 1"
                ).one().decode("id")
                try connection.query(
                    """
                    INSERT INTO delivery_attempts (notice_id, attempt, channel, recipient_key, outcome, response_code, detail)
                    VALUES (\(notice), 1, 'email', 'e:' || \(email), 'permanent_failure', 550, '550 5.1.1 <' || \(email) || '>: no such user')
                    """)
                try connection.query(
                    "INSERT INTO notification_settings (customer_id, time_zone) VALUES (\(customer), 'Europe/Madrid')")
                try connection.query(
                    """
                    INSERT INTO unsubscribes (programme_id, address_key, source) VALUES (\(f.programme), 'e:' || \(email), 'test')
                    """)
                try connection.query(
                    """
                    INSERT INTO puntos_queue_messages (queue, body)
                    VALUES ('MemberDataTests', '{"kind":"issue","customer":{"email":"' || \(typedEmail) || '"}}')
                    """)
            }
        }

        static func customerId(_ f: LedgerFixture, _ externalId: String) throws -> Int64 {
            try f.database.withConnection {
                try $0.query("SELECT id FROM customers WHERE programme_id = \(f.programme) AND external_id = \(externalId)").one()
                    .decode("id")
            }
        }

        func call(_ body: String) throws -> MemberDataResult {
            try MemberData().handle(try EventDecoding.decode(MemberDataEvent.self, from: f.json(body)), context: f.context())
        }
    }

    /// Where any of `values` still appears in any text, JSON or array column of any table (case-insensitive,
    /// as written and as JSON spells it): "table.column" for each.
    static func occurrences(of values: [String]) throws -> [String] {
        let admin = try TestDatabase.admin()
        defer { admin.close() }
        var found: [String] = []
        for value in values {
            let escaped = String(String(decoding: try JSONEncoder().encode(value), as: UTF8.self).dropFirst().dropLast())
            for needle in Set([value, escaped]) {
                let rows = try admin.withConnection { connection in
                    try connection.query(
                        """
                        WITH columns AS MATERIALIZED (
                            SELECT c.table_schema, c.table_name, c.column_name
                            FROM information_schema.columns c
                            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                            WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                              AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY'))
                        SELECT table_name || '.' || column_name AS place FROM columns
                        WHERE (xpath('/row/n/text()', query_to_xml(
                                format('SELECT count(*) AS n FROM %I.%I WHERE strpos(lower(%I::text), lower(%L)) > 0',
                                       table_schema, table_name, column_name, \(needle)::text), false, true, '')))[1]::text::int > 0
                        """)
                }
                found += try rows.map { "\(try $0.decode("place", as: String.self)) holds \(needle)" }
            }
        }
        return found
    }

    @Test func exportHoldsEverythingOnTheMember() throws {
        let m = try Member()
        let result = try m.call(#"{"kind":"export","email":"\#(m.typedEmail)"}"#)
        guard case .object(let document) = try #require(result.member) else {
            Issue.record("the member is not a JSON object")
            return
        }
        guard case .object(let customer) = try #require(document["customer"]) else {
            Issue.record("the customer is not a JSON object")
            return
        }
        #expect(customer["email"] == .string(m.email))
        #expect(customer["phone"] == .string(m.phone))
        #expect(customer["name"] == .string(m.name))
        func count(_ key: String) -> Int {
            if case .array(let items) = document[key] { return items.count }
            return -1
        }
        #expect(count("cards") == 1)
        #expect(count("ledger_entries") == 2)
        #expect(count("invoices") == 1)
        #expect(count("subscriptions") == 2)  // their own and the guest one under their e-mail
        #expect(count("notices") >= 3)
        #expect(count("delivery_attempts") == 1)
        #expect(count("unsubscribes") == 1)
        #expect(count("agreements") == 1)
        #expect(document["notification_settings"] != .null)
        #expect(document["erasure"] == .null)
        // Any identifier finds the same member; an unknown one is 404; two at once are bad input.
        let byCard = try m.call(#"{"kind":"export","card_number":"\#(m.memberCard)"}"#)
        #expect(byCard.member == result.member)
        let unknown = m.f.failure { try m.call(#"{"kind":"export","external_id":"nobody-\#(m.externalId)"}"#) }
        #expect(unknown?.code == .memberNotFound)
        #expect(unknown?.field == "external_id")
        #expect(unknown?.exitCode == 69)
        let two = m.f.failure { try m.call(#"{"kind":"export","email":"\#(m.email)","phone":"\#(m.phone)"}"#) }
        #expect(two?.code == .invalidLookup)
        #expect(two?.exitCode == 65)
    }

    /// A member's coupons are theirs too: the export lists each with its terms' reward and its history.
    @Test func exportListsTheMembersCouponsWithTheirHistory() throws {
        let f = try LedgerFixture()
        _ = try f.rewards(tenOff)
        let card = try f.card(points: 300)
        let bought = try f.buy(card, "TEN-OFF")
        _ = try f.rewards(
            #"{"kind":"use_coupon","coupon_code":"\#(bought.couponCode)","order_number":"EX-1","order_amount":"40.00"}"#)
        let result = try MemberData().handle(
            try EventDecoding.decode(MemberDataEvent.self, from: f.json(#"{"kind":"export","card_number":"\#(card)"}"#)),
            context: f.context())
        guard case .object(let document) = try #require(result.member),
            case .array(let coupons) = try #require(document["coupons"]), coupons.count == 1,
            case .object(let coupon) = coupons[0], case .array(let events) = try #require(coupon["events"])
        else {
            Issue.record("the export has no coupons array with one coupon and its events")
            return
        }
        #expect(coupon["status"] == .string("used"))
        #expect(coupon["order_number"] == .string("EX-1"))
        #expect(events.count == 2)
        // What the member's other programmes features hold on them is listed too, each as a list.
        for key in ["payouts", "tier_changes", "organisation_memberships", "action_credits", "referral_codes", "referrals"] {
            guard case .array = document[key] else {
                Issue.record("the export has no \(key) list")
                continue
            }
        }
    }

    @Test func erasureLeavesNoPersonalValueAndKeepsTheLedgersSums() throws {
        let m = try Member()
        let customer = try Member.customerId(m.f, m.externalId)
        // A payout rejected, its reason quoting the destination: settled, so the erasure scrubs it.
        let destination = "tok_md_\(UUID().uuidString.prefix(8))"
        let payout = try #require(
            try m.f.redeem(
                #"{"kind":"payout","idempotency_key":"po-\#(destination)","card_number":"\#(m.memberCard)","points":20,"destination":"\#(destination)"}"#
            ).payout?.payoutId)
        _ = try m.f.redeem(#"{"kind":"reject_payout","payout_id":"\#(payout)","reason":"\#(destination) is not the member's"}"#)
        let personal = m.personal + [destination]
        #expect(try !Self.occurrences(of: personal).isEmpty, "the search finds the values before the erasure")
        let liabilityBefore = try m.f.balance(#"{"kind":"liability"}"#).liability
        let ledgerBefore = try ledger(m.f)
        let otherBefore = try m.f.balance(of: m.card)

        let erased = try #require(
            try m.call(#"{"kind":"erase","phone":"\#(m.typedPhone)","reason":"GDPR art. 17 request"}"#).erasure)
        #expect(erased.customerId == customer)
        #expect(erased.cardsBlocked == 1)
        #expect(erased.subscriptionsRemoved == 2)
        #expect(erased.noticesCancelled >= 1)
        #expect(erased.deliveryAttemptsScrubbed == 1)
        #expect(erased.unsubscribesRemoved == 1)
        #expect(erased.idempotencyRecordsRemoved >= 1)
        #expect(erased.queueMessagesRemoved == 1)
        #expect(erased.payoutsScrubbed == 1)

        // No personal value anywhere in the database.
        #expect(try Self.occurrences(of: personal) == [])
        // The ledger and the liability unchanged; the other customer untouched.
        #expect(try ledger(m.f) == ledgerBefore)
        #expect(try m.f.balance(#"{"kind":"liability"}"#).liability?.totals == liabilityBefore?.totals)
        #expect(try m.f.balance(of: m.card) == otherBefore)
        try m.f.checkInvariants()
        // The card is blocked; nothing is pending for the member; the tombstone keeps the id.
        let state = try m.f.database.withConnection { connection in
            try connection.query(
                """
                SELECT (SELECT status FROM cards WHERE number = \(m.memberCard)) AS card,
                       (SELECT count(*) FROM notices WHERE customer_id = \(customer) AND status IN ('pending', 'sending')) AS pending,
                       (SELECT external_id FROM customers WHERE id = \(customer)) AS tombstone,
                       (SELECT count(*) FROM member_erasures WHERE customer_id = \(customer)) AS logged
                """
            ).one()
        }
        #expect(try state.decode("card", as: String.self) == "blocked")
        #expect(try state.decode("pending", as: Int.self) == 0)
        #expect(try state.decode("tombstone", as: String.self) == "erased:\(customer)")
        #expect(try state.decode("logged", as: Int.self) == 1)

        // Again, by the erased e-mail, the customer id or the card: the first answer, nothing changed.
        let snapshot = try tables(m.f, customer)
        for again in [
            #"{"kind":"erase","email":"\#(m.typedEmail)"}"#, #"{"kind":"erase","customer_id":\#(customer)}"#,
            #"{"kind":"erase","card_number":"\#(m.memberCard)"}"#, #"{"kind":"erase","external_id":"\#(m.externalId)"}"#,
        ] {
            #expect(try m.call(again).erasure == erased, "\(again)")
        }
        #expect(try tables(m.f, customer) == snapshot)
        // The export of an erased member shows the tombstone and the erasure.
        guard case .object(let document) = try #require(try m.call(#"{"kind":"export","customer_id":\#(customer)}"#).member)
        else { return }
        #expect(document["erasure"] != .null)
        // An unknown member is 404, and a repeat of that too.
        let unknown = m.f.failure { try m.call(#"{"kind":"erase","email":"nobody-\#(m.email)"}"#) }
        #expect(unknown?.code == .memberNotFound)
        #expect(unknown?.httpStatus == 404)
    }

    @Test func theErasureLogAndDeliveryAttemptsStayAppendOnly() throws {
        let m = try Member()
        let customer = try Member.customerId(m.f, m.externalId)
        _ = try m.call(#"{"kind":"erase","customer_id":\#(customer)}"#)
        for statement: SQL in [
            "UPDATE member_erasures SET reason = 'x' WHERE customer_id = \(customer)",
            "DELETE FROM member_erasures WHERE customer_id = \(customer)",
            "UPDATE delivery_attempts SET detail = 'x' WHERE notice_id IN (SELECT id FROM notices WHERE customer_id = \(customer))",
        ] {
            #expect(throws: PostgresError.self, "\(statement.text)") {
                try m.f.database.withConnection { try $0.query(statement) }
            }
        }
        // Not even the owner may change an attempt outside an erasure: the trigger refuses it.
        let admin = try TestDatabase.admin()
        defer { admin.close() }
        let refused = #expect(throws: PostgresError.self) {
            try admin.withConnection {
                try $0.query(
                    "UPDATE delivery_attempts SET outcome = 'sent' WHERE notice_id IN (SELECT id FROM notices WHERE customer_id = \(customer))"
                )
            }
        }
        #expect(refused?.message.contains("append-only") == true)
    }

    /// The ledger of the programme: every entry's amounts, date and source.
    func ledger(_ f: LedgerFixture) throws -> [String] {
        try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT concat_ws('|', id, customer_id, kind, available_delta, pending_delta, held_delta, invoice_number,
                                 order_number, voucher_number, at, source) AS line
                FROM ledger_entries WHERE programme_id = \(f.programme) ORDER BY id
                """
            ).map { try $0.decode("line") }
        }
    }

    /// What a repeated erasure must not change.
    func tables(_ f: LedgerFixture, _ customer: Int64) throws -> [String] {
        try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT concat_ws('|', (SELECT md5(string_agg(to_jsonb(c)::text, ',' ORDER BY id)) FROM customers c WHERE id = \(customer)),
                                      (SELECT md5(string_agg(to_jsonb(n)::text, ',' ORDER BY id)) FROM notices n
                                       WHERE programme_id = \(f.programme)),
                                      (SELECT count(*) FROM card_events e JOIN cards c ON c.number = e.card_number
                                       WHERE c.customer_id = \(customer)),
                                      (SELECT md5(string_agg(to_jsonb(m)::text, ',' ORDER BY id)) FROM member_erasures m
                                       WHERE programme_id = \(f.programme)),
                                      (SELECT md5(string_agg(to_jsonb(p)::text, ',' ORDER BY id)) FROM payouts p
                                       WHERE programme_id = \(f.programme)),
                                      (SELECT md5(string_agg(to_jsonb(r)::text, ',' ORDER BY id)) FROM payout_requests r
                                       WHERE programme_id = \(f.programme)),
                                      (SELECT count(*) FROM idempotency_keys WHERE programme_id = \(f.programme))) AS digest
                """
            ).map { try $0.decode("digest") }
        }
    }
}
