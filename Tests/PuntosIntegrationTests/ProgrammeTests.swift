import Foundation
import PuntosCards
import PuntosCore
import PuntosDelivery
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

extension LedgerFixture {
    /// A fixture over a programme that `configure` creates (not yet existing under `programme`).
    init(configured programme: String) throws {
        self.programme = programme
        database = try TestDatabase.make()
    }

    func configure(_ body: String) throws -> ConfigureResult {
        try Configure().handle(try EventDecoding.decode(ConfigureEvent.self, from: json(body)), context: context())
    }

    /// A printed card whose customer accepted the agreement at `acceptedAt` (never without it).
    func card(acceptedAt: Date?, segment: String? = nil) throws -> String {
        let number = try card(agreementDaysAgo: nil, segment: segment)
        if let acceptedAt {
            let accept = try EventDecoding.decode(
                RegisterCardEvent.self,
                from: json(
                    #"{"kind":"accept_agreement","card_number":"\#(number)","version":"v1","accepted_at":"\#(Timestamp.format(acceptedAt))"}"#
                ))
            _ = try RegisterCard().handle(accept, context: context())
        }
        return number
    }

    func versions() throws -> Int {
        try database.withConnection {
            try $0.query("SELECT count(*) AS n FROM programme_versions WHERE programme_id = \(programme)").one().decode("n")
        }
    }
}

/// An invoice of one line in `currency`.
func sale(
    _ card: String, _ number: String, amount: String, currency: String, date: Date = Date(), region: String? = nil,
    category: String = "general", quantity: Int = 1
) -> String {
    let regionField = region.map { #","region":"\#($0)""# } ?? ""
    return
        #"{"kind":"invoice","card_number":"\#(card)","number":"\#(number)"\#(regionField),"date":"\#(Timestamp.format(date))","currency":"\#(currency)","lines":[{"sku":"S-1","category":"\#(category)","quantity":\#(quantity),"amount":\#(amount)}]}"#
}

func at(_ text: String) -> Date { Timestamp.parse(text)! }

/// Programmes as data: created and changed by `configure`, every change a version.
@Suite struct ProgrammeTests {
    static let rigla =
        #"{"kind":"programme","idempotency_key":"rigla-1","name":"Rigla","currency":"RUB","default_country_code":"7","locale":"ru-RU","time_zone":"Europe/Moscow","card_prefix":"2700","card_length":13,"agreement_required":false,"points_per_unit":1,"point_value":1,"max_order_share":0.5,"regions":["moscow","kazan"]}"#

    @Test func riglaIsCreatedInRoublesAndEveryChangeIsAVersion() throws {
        let f = try LedgerFixture(configured: TestDatabase.unique("rigla"))
        let created = try f.configure(Self.rigla)
        #expect(created.created == true && created.version == 1)
        #expect(created.name == "Rigla" && created.currency == "RUB" && created.timeZone == "Europe/Moscow")
        #expect(created.locale == "ru-RU" && created.defaultCountryCode == "7" && created.cardPrefix == "2700")
        #expect(created.maxOrderShare == Decimal(string: "0.5") && created.regions == ["moscow", "kazan"])
        // The same event again: the first answer, nothing new; the same settings under another key: no version.
        #expect(try f.configure(Self.rigla) == created)
        let again = try f.configure(Self.rigla.replacingOccurrences(of: "rigla-1", with: "rigla-1b"))
        #expect(again.version == 1 && again.created == false)
        #expect(try f.versions() == 1)

        // A virtual card takes the programme's prefix and length; a national phone its country code.
        let issue = try EventDecoding.decode(
            RegisterCardEvent.self,
            from: f.json(#"{"kind":"issue","customer":{"external_id":"R-1","phone":"916 123-45-67"}}"#))
        let card = try RegisterCard().handle(issue, context: f.context())
        #expect(card.card.number.hasPrefix("2700") && card.card.number.count == 13)
        #expect(card.customer.phone == "+79161234567")

        // A change is a new version; the one that was in force stays as it was.
        let before = Date()
        let changed = try f.configure(#"{"kind":"programme","idempotency_key":"rigla-2","max_order_share":0.4}"#)
        #expect(changed.version == 2 && changed.maxOrderShare == Decimal(string: "0.4") && changed.currency == "RUB")
        try f.database.withConnection { connection in
            let old: Decimal = try connection.query(
                "SELECT (settings->>'max_order_share')::numeric AS share FROM programme_versions WHERE programme_id = \(f.programme) AND version = 1"
            ).one().decode("share")
            #expect(old == Decimal(string: "0.5"))
            let then: Decimal = try connection.query(
                "SELECT (puntos_programme_at(\(f.programme), \(before))).max_order_share AS share"
            ).one().decode("share")
            #expect(then == Decimal(string: "0.5"))
            // History is never rewritten, not even by the application's own role.
            #expect(throws: (any Error).self) {
                try connection.query("UPDATE programme_versions SET settings = '{}' WHERE programme_id = \(f.programme)")
            }
        }
        // Whatever writes the row, its final state is a version when the transaction commits.
        try f.database.withConnection {
            try $0.query("UPDATE programmes SET hold_minutes = 20 WHERE id = \(f.programme)")
        }
        #expect(try f.versions() == 3)
    }

    @Test func badProgrammeSettingsAreRefusedByFieldAndChangeNothing() throws {
        let f = try LedgerFixture(configured: TestDatabase.unique("bad"))
        // A new programme needs a name and a currency; nothing is created without them.
        let noCurrency = f.failure { try f.configure(#"{"kind":"programme","name":"X"}"#) }
        #expect(noCurrency?.code == .missingField && noCurrency?.field == "currency")
        #expect(f.failure { try f.configure(#"{"kind":"settings","hold_minutes":5}"#) }?.code == .programmeNotFound)
        _ = try f.configure(#"{"kind":"programme","name":"Implosa","currency":"USD"}"#)
        let cases: [(String, String)] = [
            (#"{"kind":"programme","time_zone":"Mars/Olympus_Mons"}"#, "time_zone"),
            (#"{"kind":"programme","time_zone":"Europe/Moscow; DROP"}"#, "time_zone"),
            (#"{"kind":"programme","currency":"usd"}"#, "currency"),
            (#"{"kind":"programme","locale":"spanish"}"#, "locale"),
            (#"{"kind":"programme","default_country_code":"0"}"#, "default_country_code"),
            (#"{"kind":"programme","card_prefix":"12a"}"#, "card_prefix"),
            (#"{"kind":"programme","card_length":25}"#, "card_length"),
            (#"{"kind":"programme","name":""}"#, "name"),
            (#"{"kind":"programme","colour":"red"}"#, "colour"),
        ]
        for (body, field) in cases {
            let error = f.failure { try f.configure(body) }
            #expect(error?.kind == .badInput && error?.field == field, "\(body)")
        }
        #expect(try f.versions() == 1)
    }

    /// Implosa: dollars, 1 point per $1, 100 points = $1, at least 500 at once.
    @Test func implosaInDollarsAndACurrencyThatCannotChangeOncePointsExist() throws {
        let f = try LedgerFixture(configured: TestDatabase.unique("implosa"))
        _ = try f.configure(
            #"{"kind":"programme","name":"Implopuntos","currency":"EUR","time_zone":"America/Panama","locale":"es","agreement_required":false}"#
        )
        // No invoice, no entry yet: the currency may still be put right.
        let set = try f.configure(
            #"{"kind":"programme","currency":"USD","points_per_unit":1,"point_value":0.01,"min_redemption":500}"#)
        #expect(set.currency == "USD" && set.version == 2)
        let card = try f.card(acceptedAt: nil)
        #expect(try f.accrue(sale(card, "IMP-1", amount: "620.00", currency: "USD")).points == 620)
        #expect(
            f.failure {
                try f.redeem(#"{"kind":"redeem","card_number":"\#(card)","order_number":"O-1","order_amount":10,"points":400}"#)
            }?.code == .belowMinimum)
        let spent = try f.redeem(
            #"{"kind":"redeem","card_number":"\#(card)","order_number":"O-2","order_amount":10,"points":500}"#)
        #expect(spent.value == 5)
        let refused = f.failure { try f.configure(#"{"kind":"programme","idempotency_key":"to-cop","currency":"COP"}"#) }
        #expect(refused?.code == .currencyInUse && refused?.kind == .refused && refused?.field == "currency")
        #expect(try f.configure(#"{"kind":"settings"}"#).currency == "USD")
        #expect(try f.versions() == 2)
        try f.checkInvariants()
    }

    /// Rigla: the region switch stops earning and spending there; the 50% cap in roubles.
    @Test func riglaADisabledRegionRefusesEarningAndSpending() throws {
        let f = try LedgerFixture(configured: TestDatabase.unique("rigla"))
        _ = try f.configure(Self.rigla)
        let card = try f.card(acceptedAt: nil)
        #expect(try f.accrue(sale(card, "R-1", amount: "2000.00", currency: "RUB", region: "moscow")).points == 2000)
        let tver = try f.accrue(sale(card, "R-2", amount: "900.00", currency: "RUB", region: "tver"))
        #expect(tver.status == "not_eligible" && tver.reason == "region_disabled" && tver.points == 0)
        let entries = try f.count("ledger_entries")
        for kind in ["hold", "redeem"] {
            let outside = f.failure {
                try f.redeem(
                    #"{"kind":"\#(kind)","card_number":"\#(card)","order_number":"T-\#(kind)","order_amount":1000,"points":100,"region":"tver"}"#
                )
            }
            #expect(outside?.code == .regionDisabled && outside?.field == "region" && outside?.kind == .refused)
            let nowhere = f.failure {
                try f.redeem(
                    #"{"kind":"\#(kind)","card_number":"\#(card)","order_number":"N-\#(kind)","order_amount":1000,"points":100}"#)
            }
            #expect(nowhere?.code == .regionDisabled)
        }
        #expect(try f.count("ledger_entries") == entries && f.count("holds") == 0)
        // 50% of 1000 roubles at 1 rouble a point: 500 points at most.
        let over = f.failure {
            try f.redeem(
                #"{"kind":"hold","card_number":"\#(card)","order_number":"M-1","order_amount":1000,"points":600,"region":"moscow"}"#
            )
        }
        #expect(over?.code == .exceedsOrderShare)
        let hold = try f.redeem(
            #"{"kind":"hold","card_number":"\#(card)","order_number":"M-1","order_amount":1000,"points":500,"region":"kazan"}"#)
        #expect(hold.value == 500)
        // Kazan switched off: earning and spending stop there, the hold already taken still commits.
        _ = try f.configure(#"{"kind":"settings","regions":["moscow"]}"#)
        #expect(try f.accrue(sale(card, "R-3", amount: "100.00", currency: "RUB", region: "kazan")).reason == "region_disabled")
        #expect(
            f.failure {
                try f.redeem(
                    #"{"kind":"redeem","card_number":"\#(card)","order_number":"K-2","order_amount":1000,"points":100,"region":"kazan"}"#
                )
            }?.code == .regionDisabled)
        #expect(try f.redeem(#"{"kind":"commit","order_number":"M-1"}"#).points == 500)
        // Everywhere again (an empty list): spending without a region is fine.
        _ = try f.configure(#"{"kind":"settings","regions":[]}"#)
        #expect(
            try f.redeem(#"{"kind":"redeem","card_number":"\#(card)","order_number":"E-1","order_amount":1000,"points":100}"#)
                .points == 100)
        try f.checkInvariants()
    }

    /// ONe: points count from the day the agreement was accepted, in the programme's time zone.
    @Test func oneCountsTheAgreementByTheDayInTheProgrammesTimeZone() throws {
        let f = try LedgerFixture(configured: TestDatabase.unique("one"))
        _ = try f.configure(
            #"{"kind":"programme","name":"ONe","currency":"USD","time_zone":"Europe/Moscow","agreement_required":true}"#)
        // Accepted at 15:00 in Moscow (12:00Z): an invoice at 09:00 the same day earns, one the evening before does not.
        let afternoon = try f.card(acceptedAt: at("2026-03-10T12:00:00Z"))
        #expect(
            try f.accrue(sale(afternoon, "ONE-1", amount: "100", currency: "USD", date: at("2026-03-10T06:00:00Z"))).points == 100
        )
        #expect(
            try f.accrue(sale(afternoon, "ONE-2", amount: "100", currency: "USD", date: at("2026-03-09T20:00:00Z"))).reason
                == "no_agreement")
        // Accepted at 01:00 in Moscow on the 11th (22:00Z on the 10th): the Moscow day counts, not the UTC one.
        let night = try f.card(acceptedAt: at("2026-03-10T22:00:00Z"))
        #expect(try f.accrue(sale(night, "ONE-3", amount: "50", currency: "USD", date: at("2026-03-10T21:30:00Z"))).points == 50)
        #expect(
            try f.accrue(sale(night, "ONE-4", amount: "50", currency: "USD", date: at("2026-03-10T20:30:00Z"))).reason
                == "no_agreement")
        // The same acceptance in Bogotá (UTC-5) is 17:00 on the 10th: the 10th counts from its midnight (05:00Z).
        _ = try f.configure(#"{"kind":"settings","time_zone":"America/Bogota"}"#)
        #expect(try f.accrue(sale(night, "ONE-5", amount: "50", currency: "USD", date: at("2026-03-10T20:30:00Z"))).points == 50)
        #expect(
            try f.accrue(sale(night, "ONE-6", amount: "50", currency: "USD", date: at("2026-03-10T04:30:00Z"))).reason
                == "no_agreement")
        try f.checkInvariants()
    }

    /// SimpleWine: restaurants and wine shops, each with its own point value, minimum, share and promotions.
    @Test func simpleWineSegmentRulesScopeTheSameRuleEngine() throws {
        let f = try LedgerFixture(configured: TestDatabase.unique("simplewine"))
        _ = try f.configure(
            #"{"kind":"programme","name":"SimpleWine","currency":"RUB","agreement_required":false,"points_per_unit":1,"point_value":1,"max_order_share":0.3}"#
        )
        let window = #""starts_at":"2026-01-01T00:00:00Z","ends_at":"2099-01-01T00:00:00Z""#
        _ = try f.configure(
            #"{"kind":"promotion","code":"HORECA-X2","target":"category","value":"wine","multiplier":2,\#(window)}"#)
        _ = try f.configure(
            #"{"kind":"promotion","code":"SHOP-BONUS","target":"category","value":"wine","bonus_per_unit":5,\#(window)}"#)
        let restaurants = try f.configure(
            #"{"kind":"segment_rules","idempotency_key":"seg-r1","segment":"restaurants","point_value":0.5,"min_redemption":1000,"max_order_share":0.1,"promotions":["HORECA-X2"]}"#
        )
        #expect(restaurants.segmentRules?.version == 1 && restaurants.segmentRules?.promotions == ["HORECA-X2"])
        _ = try f.configure(
            #"{"kind":"segment_rules","segment":"wine_shops","max_order_share":0.5,"promotions":["SHOP-BONUS"]}"#)
        let restaurant = try f.card(acceptedAt: nil, segment: "restaurants")
        let shop = try f.card(acceptedAt: nil, segment: "wine_shops")
        let anyone = try f.card(acceptedAt: nil)

        // Earning: each segment gets only the promotions it is offered; no segment, all of them.
        let line = { (card: String, n: String) in sale(card, n, amount: "10000", currency: "RUB", category: "wine", quantity: 2) }
        #expect(try f.accrue(line(restaurant, "SW-1")).points == 20_000)
        #expect(try f.accrue(line(shop, "SW-2")).points == 10_010)
        #expect(try f.accrue(line(anyone, "SW-3")).points == 20_010)
        let forecast =
            #"{"kind":"forecast","card_number":"\#(restaurant)","lines":[{"sku":"W","category":"wine","quantity":1,"amount":100}]}"#
        #expect(try f.balance(forecast).forecast?.points == 200 && f.balance(forecast).forecast?.value == 100)

        // Spending: a restaurant's point is worth 0.50, at least 1000 at once, at most 10% of the order.
        #expect(try f.balance(of: restaurant).value == 10_000)
        let order = #""order_amount":10000"#
        #expect(
            f.failure {
                try f.redeem(#"{"kind":"redeem","card_number":"\#(restaurant)","order_number":"SR-1",\#(order),"points":900}"#)
            }?
            .code == .belowMinimum)
        #expect(
            f.failure {
                try f.redeem(#"{"kind":"redeem","card_number":"\#(restaurant)","order_number":"SR-2",\#(order),"points":2001}"#)
            }?
            .code == .exceedsOrderShare)
        #expect(
            try f.redeem(#"{"kind":"redeem","card_number":"\#(restaurant)","order_number":"SR-3",\#(order),"points":2000}"#).value
                == 1000)
        // A wine shop: the programme's point value and minimum, its own 50% share.
        #expect(
            try f.redeem(#"{"kind":"redeem","card_number":"\#(shop)","order_number":"SS-1",\#(order),"points":5000}"#).value
                == 5000)
        // No segment: the programme's 30%.
        #expect(
            f.failure {
                try f.redeem(#"{"kind":"redeem","card_number":"\#(anyone)","order_number":"SA-1",\#(order),"points":3001}"#)
            }?
            .code == .exceedsOrderShare)

        // Versions: the same rules again change nothing; new ones are the next version, the old kept.
        let same = try f.configure(
            #"{"kind":"segment_rules","idempotency_key":"seg-r1-again","segment":"restaurants","point_value":0.5,"min_redemption":1000,"max_order_share":0.1,"promotions":["HORECA-X2"]}"#
        )
        #expect(same.segmentRules?.version == 1)
        let next = try f.configure(#"{"kind":"segment_rules","segment":"restaurants","point_value":0.5}"#)
        #expect(next.segmentRules?.version == 2 && next.segmentRules?.promotions == nil)
        #expect(try f.accrue(line(restaurant, "SW-4")).points == 20_010)
        let rows: Int = try f.database.withConnection {
            try $0.query("SELECT count(*) AS n FROM segment_rules WHERE programme_id = \(f.programme)").one().decode("n")
        }
        #expect(rows == 3)
        // The liability counts a restaurant's points at its 0.50: 20000 + 20010 − 2000 left.
        let liability = try f.balance(#"{"kind":"liability"}"#).liability
        let restaurantsRow = liability?.segments.first { $0.segment == "restaurants" }
        #expect(restaurantsRow?.available == 38_010 && restaurantsRow?.availableValue == 19_005)
        let bad = f.failure { try f.configure(#"{"kind":"segment_rules","segment":"restaurants","max_order_share":2}"#) }
        #expect(bad?.field == "max_order_share")
        try f.checkInvariants()
    }
}

/// A programme's locale is the language of its messages to a customer who has none.
@Suite struct ProgrammeLocaleTests {
    @Test func aCustomerWithoutALocaleIsWrittenToInTheProgrammesLanguage() throws {
        let f = try AlertsFixture()
        let smtp = try FixtureServer.smtp()
        defer { smtp.stop() }
        let customer = try f.customer("Ivan")
        try f.execute("UPDATE customers SET locale = NULL WHERE id = \(customer)")
        try f.execute("UPDATE programmes SET locale = 'es' WHERE id = \(f.programme)")
        try f.execute(
            """
            INSERT INTO notices (programme_id, customer_id, kind, dedupe_key, payload, next_attempt_at)
            VALUES (\(f.programme), \(customer), 'points_earned', \(TestDatabase.unique("earned")),
                    '{"points": 120, "available": 560, "invoice_number": "F-77"}', now() - interval '1 second')
            """)
        #expect(try f.deliver(f.deliveryConfiguration(smtpPort: smtp.port)).sent == 1)
        let text = try #require(try smtp.received().first?["text"] as? String)
        #expect(text.contains("Has ganado 120 puntos (factura F-77)."), "\(text)")
    }
}
