import Foundation
import PuntosAlerts
import PuntosCards
import PuntosCore
import PuntosDelivery
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

@Suite struct AlertFiringTests {
    func item(_ sku: String, _ price: String, inStock: Bool = true) -> NotifyPriceDropEvent.Item {
        .init(sku: sku, price: Decimal(string: price)!, inStock: inStock)
    }

    @Test func aPriceFeedFiresSomeSubscriptionsAndNotOthers() throws {
        let f = try AlertsFixture()
        let target = try f.customer("Ana"), percent = try f.customer("Bea"), euro = try f.customer("Carl")
        let outOfStock = try f.customer("Dan"), expired = try f.customer("Eve"), tooLow = try f.customer("Fay")
        let once = try f.customer("Gus")
        func price(_ customer: Int64, _ terms: String) throws {
            _ = try f.subscribe(#"{"kind":"price","subscriber":{"customer_id":\#(customer)},"store":"web",\#(terms)}"#)
        }
        try price(target, #""sku":"K-1","currency":"USD","target_price":"80""#)
        try price(percent, #""sku":"K-1","currency":"USD","min_drop_percent":10,"current_price":"100""#)
        try price(euro, #""sku":"K-1","currency":"EUR","target_price":"90""#)
        try price(outOfStock, #""sku":"K-2","currency":"USD","target_price":"80""#)
        try price(expired, #""sku":"K-1","currency":"USD","target_price":"80""#)
        try price(tooLow, #""sku":"K-1","currency":"USD","target_price":"70""#)
        try price(once, #""sku":"K-1","currency":"USD","target_price":"85","rearm":"once""#)
        try f.execute("UPDATE alert_subscriptions SET expires_at = now() - interval '1 minute' WHERE customer_id = \(expired)")

        let feed = [item("K-1", "79.00"), item("K-2", "50", inStock: false), item("K-3", "10")]
        let first = try f.prices(feed)
        #expect(first == NotifyPriceDropOutput(items: 3, fired: 3, notices: 3))
        #expect(Set(try f.notices().compactMap(\.customer)) == [target, percent, once])

        // The same feed again writes nothing new.
        #expect(try f.prices(feed) == NotifyPriceDropOutput(items: 3, fired: 0, notices: 0))
        #expect(try f.notices().count == 3)

        // The baseline is now 79: 75 is a further drop for the target (75 <= 80) but only 5% for the
        // 10% subscriber, and the "once" subscription is done.
        #expect(try f.prices([item("K-1", "75")]) == NotifyPriceDropOutput(items: 1, fired: 1, notices: 1))
        #expect(try f.notices().filter { $0.customer == target }.count == 2)
        // The EUR subscriber hears of a EUR price only.
        #expect(try f.prices([item("K-1", "89")], currency: "EUR").notices == 1)
        #expect(try f.notices().last?.customer == euro)
        let payload: String = try f.scalar(
            """
            SELECT payload->>'old_price' || ' ' || (payload->>'new_price') AS value FROM notices
            WHERE programme_id = \(f.programme) AND customer_id = \(percent)
            """, as: String.self)
        #expect(payload == "100 79")
    }

    /// A feed bigger than a part (here 2 skus) commits part by part: when a later part fails, the notices
    /// of the parts before are already written (deliverable); the next delivery under the same key
    /// finishes the feed and answers for all of it, each notice written once; another feed under that key
    /// is refused before anything is written.
    @Test func aBigFeedCommitsInPartsAndTheNextDeliveryFinishesIt() throws {
        let f = try AlertsFixture()
        let skus = (0..<6).map { "P-\($0)" }
        for sku in skus {
            let customer = try f.customer("Part")
            _ = try f.subscribe(
                #"{"kind":"price","subscriber":{"customer_id":\#(customer)},"store":"web","sku":"\#(sku)","currency":"USD","target_price":"80"}"#
            )
        }
        var event = NotifyPriceDropEvent(
            programme: f.programme, store: "web", currency: "USD", items: skus.map { item($0, "79") })
        event.idempotencyKey = "feed-\(f.programme)"
        let handler = NotifyPriceDrop(chunkSize: 2)
        func price(_ sku: String) throws -> String? {
            try f.database.withConnection { connection in
                try connection.query(
                    "SELECT trim_scale(price)::text AS price FROM product_prices WHERE programme_id = \(f.programme) AND sku = \(sku)"
                ).first?.decode("price")
            }
        }

        // The third part (P-4, P-5) fails: a trigger refuses P-4's notice.
        let admin = try TestDatabase.admin()
        defer { admin.close() }
        try admin.withConnection { connection in
            try connection.runScript(
                """
                CREATE TABLE IF NOT EXISTS puntos_test_refused_skus (programme_id text, sku text);
                CREATE OR REPLACE FUNCTION puntos_test_refuse_notice() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF EXISTS (SELECT 1 FROM puntos_test_refused_skus r
                               WHERE r.programme_id = NEW.programme_id AND r.sku = NEW.payload->>'sku') THEN
                        RAISE EXCEPTION 'refused by the test';
                    END IF;
                    RETURN NEW;
                END $$;
                DROP TRIGGER IF EXISTS puntos_test_refuse_notice ON notices;
                CREATE TRIGGER puntos_test_refuse_notice BEFORE INSERT ON notices
                    FOR EACH ROW EXECUTE FUNCTION puntos_test_refuse_notice();
                """)
            try connection.query("INSERT INTO puntos_test_refused_skus VALUES (\(f.programme), 'P-4')")
        }
        #expect(throws: (any Error).self) { try handler.handle(event, context: f.context()) }
        #expect(try f.notices().count == 4)  // the first two parts' notices, committed
        #expect(try price("P-3") == "79")
        #expect(try price("P-4") == nil)  // the failed part wrote nothing

        try admin.withConnection { connection in
            try connection.query("DELETE FROM puntos_test_refused_skus WHERE programme_id = \(f.programme)")
            try connection.runScript("DROP TRIGGER IF EXISTS puntos_test_refuse_notice ON notices")
        }
        let whole = NotifyPriceDropOutput(items: 6, fired: 6, notices: 6)
        #expect(try handler.handle(event, context: f.context()) == whole)
        #expect(try f.notices().count == 6)
        #expect(try price("P-5") == "79")
        // Again: the same answer, nothing written twice.
        #expect(try handler.handle(event, context: f.context()) == whole)
        #expect(try f.notices().count == 6)

        // Another feed under the key is refused by its first part, before anything is written.
        var other = event
        other.items[5] = item("P-5", "70")
        var refusal: FunctionError?
        do { _ = try handler.handle(other, context: f.context()) } catch let error as FunctionError { refusal = error }
        #expect(refusal?.code == .idempotencyConflict)
        #expect(try price("P-5") == "79")
        #expect(try f.notices().count == 6)

        // Without a key, a feed in parts is recorded part by part too: a further drop fires all six.
        #expect(
            try handler.handle(
                NotifyPriceDropEvent(programme: f.programme, store: "web", currency: "USD", items: skus.map { item($0, "75") }),
                context: f.context()) == whole)
        #expect(try f.notices().count == 12)
    }

    @Test func flappingStockSendsOnce() throws {
        let f = try AlertsFixture()
        let ana = try f.customer("Ana"), bea = try f.customer("Bea")
        _ = try f.subscribe(#"{"kind":"stock","subscriber":{"customer_id":\#(ana)},"store":"web","sku":"M-1"}"#)
        _ = try f.subscribe(
            #"{"kind":"stock","subscriber":{"customer_id":\#(bea)},"store":"web","sku":"M-1","rearm":"every_restock","min_quantity":2}"#
        )
        var notices = 0
        for quantity in [0, 5, 0, 5, 0, 1, 7, 0, 5] {
            notices += try f.stock("M-1", quantity).notices
        }
        #expect(notices == 2)
        #expect(try f.notices().map(\.kind) == ["back_in_stock", "back_in_stock"])
        // A day later the every-restock subscriber hears of a new restock; the one-shot one does not.
        let tomorrow = Date().addingTimeInterval(90_000)
        _ = try f.stock("M-1", 0, now: tomorrow)
        #expect(try f.stock("M-1", 3, now: tomorrow).notices == 1)
        #expect(try f.notices().last?.customer == bea)
    }

    @Test func stockWavesNotifyTheOldestFirst() throws {
        let f = try AlertsFixture()
        var customers: [Int64] = []
        for index in 0..<5 {
            let id = try f.customer("W\(index)")
            customers.append(id)
            _ = try f.subscribe(#"{"kind":"stock","subscriber":{"customer_id":\#(id)},"store":"web","sku":"W-1"}"#)
        }
        let now = Date()
        let first = try NotifyStock().handle(
            .stock(
                .init(
                    programme: f.programme, store: "web", items: [.init(sku: "W-1", quantity: 9)],
                    waveSize: 2, waveIntervalMinutes: 30)), context: f.context(now))
        #expect(first.fired == 2 && first.waiting == 3)
        #expect(try f.notices().compactMap(\.customer) == Array(customers.prefix(2)))
        // Not due yet: nothing; due, but sold out meanwhile: nothing; due and sellable: the next two.
        // (A sweep covers every programme, so other tests' waves may fire in it: this programme's
        // notices are what is checked.)
        _ = try NotifyStock().handle(.waves(.init()), context: f.context(now.addingTimeInterval(600)))
        #expect(try f.notices().compactMap(\.customer) == Array(customers.prefix(2)))
        _ = try f.stock("W-1", 0, now: now.addingTimeInterval(700))
        _ = try NotifyStock().handle(.waves(.init()), context: f.context(now.addingTimeInterval(1900)))
        #expect(try f.notices().compactMap(\.customer) == Array(customers.prefix(2)))
        _ = try f.stock("W-1", 4, now: now.addingTimeInterval(2000))
        #expect(try f.notices().compactMap(\.customer) == Array(customers.prefix(4)))
    }

    @Test func aGuestWhoNeverConfirmsGetsNothing() throws {
        let f = try AlertsFixture()
        let ana = try f.customer("Ana")
        let guest = try f.subscribe(
            #"{"kind":"price","subscriber":{"email":"Guest@Example.com"},"store":"web","sku":"G-1","currency":"USD","target_price":"50"}"#
        )
        #expect(guest.confirmationRequired == true && guest.subscription?.status == "pending")
        _ = try f.subscribe(
            #"{"kind":"price","subscriber":{"customer_id":\#(ana)},"store":"web","sku":"G-1","currency":"USD","target_price":"50"}"#
        )
        #expect(try f.prices([item("G-1", "40")]).notices == 1)
        let notices = try f.notices()
        #expect(notices.map(\.kind) == ["alert_confirm", "price_drop"])
        #expect(notices[0].email == "guest@example.com" && notices[1].customer == ana)

        // The link in the confirmation works until it expires; then the guest's alerts fire.
        let link: String = try f.scalar(
            "SELECT payload->>'confirm_url' AS value FROM notices WHERE programme_id = \(f.programme) AND kind = 'alert_confirm'",
            as: String.self)
        let token = String(link.split(separator: "token=").last!)
        let expired = try? Subscribe(configuration: f.links).handle(
            .confirm(.init(token: token)), context: f.context(Date().addingTimeInterval(4 * 86_400)))
        #expect(expired == nil)
        let confirmed = try Subscribe(configuration: f.links).handle(.confirm(.init(token: token)), context: f.context())
        #expect(confirmed.subscription?.status == "active" && confirmed.html?.contains("<h1>") == true)
        #expect(try f.prices([item("G-1", "39")]).notices == 2)
        #expect(try f.notices().filter { $0.email == "guest@example.com" }.map(\.kind) == ["alert_confirm", "price_drop"])
    }

    @Test func ownersListAndRemoveTheirSubscriptions() throws {
        let f = try AlertsFixture()
        let ana = try f.customer("Ana"), bea = try f.customer("Bea")
        let made = try f.subscribe(#"{"kind":"stock","subscriber":{"customer_id":\#(ana)},"store":"web","sku":"L-1"}"#)
        // Subscribing again updates the one live subscription.
        let again = try f.subscribe(
            #"{"kind":"stock","subscriber":{"customer_id":\#(ana)},"store":"web","sku":"L-1","min_quantity":3}"#)
        #expect(again.subscription?.id == made.subscription?.id && again.subscription?.minQuantity == 3)
        let list = try f.subscribe(#"{"kind":"list","subscriber":{"customer_id":\#(ana)}}"#)
        #expect(list.subscriptions?.map(\.sku) == ["L-1"])
        let id = made.subscription!.id
        #expect(throws: FunctionError.self) {
            try f.subscribe(#"{"kind":"remove","subscriber":{"customer_id":\#(bea)},"subscription_id":\#(id)}"#)
        }
        #expect(
            try f.subscribe(#"{"kind":"remove","subscriber":{"customer_id":\#(ana)},"subscription_id":\#(id)}"#).subscription?
                .status == "removed")
        #expect(try f.subscribe(#"{"kind":"list","subscriber":{"customer_id":\#(ana)}}"#).subscriptions?.isEmpty == true)
    }

    @Test func badInputIsRefusedWithTheFieldNamedAndNothingWritten() throws {
        let f = try AlertsFixture()
        let cases: [(function: String, event: String, field: String)] = [
            (
                "notify-price-drop",
                #"{"programme":"\#(f.programme)","store":"web","currency":"USD","items":[{"sku":"A","price":"1"},{"sku":"B","price":"-3"}]}"#,
                "items[1].price"
            ),
            (
                "notify-price-drop", #"{"programme":"\#(f.programme)","store":"web","currency":"usd","sku":"A","price":"1"}"#,
                "currency"
            ),
            (
                "notify-price-drop",
                #"{"programme":"\#(f.programme)","store":"web","currency":"USD","items":[{"sku":"A","price":"1","colour":"red"}]}"#,
                "items[0].colour"
            ),
            (
                "notify-stock",
                #"{"kind":"stock","programme":"\#(f.programme)","store":"web","items":[{"sku":"A","quantity":"x"}]}"#,
                "items[0].quantity"
            ),
            (
                "subscribe",
                #"{"kind":"price","programme":"\#(f.programme)","subscriber":{"email":"not-an-address"},"store":"web","sku":"A","currency":"USD","target_price":"5"}"#,
                "subscriber.email"
            ),
            (
                "subscribe",
                #"{"kind":"price","programme":"\#(f.programme)","subscriber":{"email":"a@b.co"},"store":"web","sku":"A","currency":"USD"}"#,
                "target_price"
            ),
            (
                "subscribe",
                #"{"kind":"stock","programme":"\#(f.programme)","subscriber":{"email":"a@b.co"},"store":"web","sku":"A","min_quantity":0}"#,
                "min_quantity"
            ),
        ]
        for (function, event, field) in cases {
            let outcome = try FunctionProcess.run(
                function, input: Data(event.utf8), environment: ["PUNTOS_SIGNING_SECRET": AlertsFixture.secret])
            #expect(outcome.exitCode == 65, "\(function): \(outcome.stderrText)")
            #expect(outcome.error?["field"] as? String == field, "\(function): \(outcome.stderrText)")
        }
        #expect(try f.scalar("SELECT count(*)::int AS value FROM product_prices WHERE programme_id = \(f.programme)") == 0)
        #expect(try f.scalar("SELECT count(*)::int AS value FROM product_stock WHERE programme_id = \(f.programme)") == 0)
        #expect(try f.scalar("SELECT count(*)::int AS value FROM alert_subscriptions WHERE programme_id = \(f.programme)") == 0)
        #expect(try f.notices().isEmpty)
    }
}
