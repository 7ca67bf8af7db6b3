import Foundation
import PuntosAlerts
import PuntosCore
import PuntosDelivery
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// A customer's channels, chosen through `subscribe` kind `preferences` and honoured by `deliver`
/// against a real SMTP server and a real HTTP SMS receiver; an unconfigured channel falls back or is
/// undeliverable at once.
@Suite struct DeliveryChannelTests {
    func pointsNotice(_ f: AlertsFixture, customer: Int64, kind: String = "points_earned", key: String) throws {
        try f.execute(
            """
            INSERT INTO notices (programme_id, customer_id, kind, dedupe_key, payload, next_attempt_at)
            VALUES (\(f.programme), \(customer), \(kind), \(TestDatabase.unique(key)),
                    '{"points": 300, "available": 1300, "sku": "KET-1", "new_price": "39.90"}', now() - interval '1 second')
            """)
    }

    func preferences(_ f: AlertsFixture, _ customer: Int64, _ channels: String) throws -> SubscribeOutput {
        try f.subscribe(#"{"kind":"preferences","subscriber":{"customer_id":\#(customer)},"channels":\#(channels)}"#)
    }

    /// Each notice's outcome and detail, oldest attempt first, as `outcome:detail`.
    func attempts(_ f: AlertsFixture) throws -> [String] {
        try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT a.outcome || ':' || coalesce(a.detail, a.channel) AS value FROM delivery_attempts a
                JOIN notices n ON n.id = a.notice_id WHERE n.programme_id = \(f.programme) ORDER BY a.id
                """
            ).map { try $0.decode("value") }
        }
    }

    /// ReBase sends SMS; a participant with an e-mail and a phone who chooses both gets both, each
    /// once, even when the run is repeated.
    @Test func aParticipantWhoChoosesBothGetsAnEmailAndAnSMS() throws {
        let f = try AlertsFixture()
        let smtp = try FixtureServer.smtp()
        defer { smtp.stop() }
        let sms = try FixtureServer.http(secret: "unused")
        defer { sms.stop() }
        let ivan = try f.customer("Ivan", phone: "+79161234567", locale: "ru")
        let answer = try preferences(f, ivan, #"{"transactional":"both"}"#)
        #expect(answer.preferences == PreferencesView(customerId: ivan, channels: ["transactional": "both"]))
        try pointsNotice(f, customer: ivan, key: "both")
        var configuration = f.deliveryConfiguration(smtpPort: smtp.port)
        configuration.smsURL = "http://127.0.0.1:\(sms.port)/sms"
        let run = try f.deliver(configuration)
        #expect(run.claimed == 2 && run.sent == 2 && run.messages == 2, "\(run)")
        #expect(try f.deliver(configuration, now: Date().addingTimeInterval(86_400)).claimed == 0)
        let mail = try smtp.received()
        try #require(mail.count == 1)
        #expect((mail[0]["text"] as? String)?.contains("Вам начислено 300 баллов. Ваш баланс: 1300 баллов.") == true)
        let texts = try sms.received()
        try #require(texts.count == 1)
        let body = try JSONSerialization.jsonObject(with: Data((texts[0]["body"] as! String).utf8)) as! [String: String]
        #expect(body["to"] == "+79161234567" && body["text"]?.hasPrefix("Вам начислено 300 баллов.") == true)
        #expect(try attempts(f).sorted() == ["sent:email", "sent:sms"])
    }

    /// Without SMTP, e-mail falls back to SMS for a customer with a phone; a customer with only an
    /// e-mail is undeliverable at once, recorded with the reason, and never claimed again.
    @Test func anUnconfiguredChannelFallsBackOrIsUndeliverableAtOnce() throws {
        let f = try AlertsFixture()
        let sms = try FixtureServer.http(secret: "unused")
        defer { sms.stop() }
        let ana = try f.customer("Ana", phone: "+34600000011")
        let bea = try f.customer("Bea")
        try pointsNotice(f, customer: ana, key: "fallback")
        try pointsNotice(f, customer: bea, key: "undeliverable")
        var configuration = f.deliveryConfiguration()
        configuration.smsURL = "http://127.0.0.1:\(sms.port)/sms"
        let run = try f.deliver(configuration)
        #expect(run.sent == 1 && run.dead == 1 && run.deferred == 0 && run.retrying == 0, "\(run)")
        #expect(try sms.received().count == 1)
        #expect(try attempts(f).sorted() == ["permanent_failure:email_not_configured", "sent:sms"])
        #expect(try f.notices().map(\.status) == ["sent", "dead"])
        #expect(try f.deliver(configuration, now: Date().addingTimeInterval(7 * 86_400)).claimed == 0)

        // No SMS provider either: a phone-only customer who chose SMS is undeliverable too.
        let cid = try f.customer("Cid", email: false, phone: "+34600000012")
        _ = try preferences(f, cid, #"{"transactional":"sms"}"#)
        try pointsNotice(f, customer: cid, key: "nothing")
        let none = try f.deliver(f.deliveryConfiguration())
        #expect(none.dead == 1 && none.deferred == 0, "\(none)")
        #expect(try attempts(f).last == "permanent_failure:sms_not_configured")
    }

    /// `none` for marketing stops price alerts while points messages still go; a kind's choice wins
    /// over its class's, and null forgets a choice.
    @Test func noneForMarketingStopsAlertsNotPointsMessages() throws {
        let f = try AlertsFixture()
        let smtp = try FixtureServer.smtp()
        defer { smtp.stop() }
        let dee = try f.customer("Dee")
        _ = try preferences(f, dee, #"{"marketing":"none","back_in_stock":"email"}"#)
        try pointsNotice(f, customer: dee, kind: "price_drop", key: "drop")
        try pointsNotice(f, customer: dee, kind: "back_in_stock", key: "restock")
        try pointsNotice(f, customer: dee, key: "earned")
        let run = try f.deliver(f.deliveryConfiguration(smtpPort: smtp.port))
        #expect(run.suppressed == 1 && run.sent == 2 && run.messages == 1, "\(run)")
        #expect(try attempts(f).contains("suppressed:channel_declined"))
        let forgotten = try preferences(f, dee, #"{"marketing":null}"#)
        #expect(forgotten.preferences?.channels == ["back_in_stock": "email"])
    }

    @Test func preferencesAreRefusedClearly() throws {
        let f = try AlertsFixture()
        let dee = try f.customer("Dee")
        let cases: [(String, FunctionError.Code, String)] = [
            (#"{"subscriber":{"customer_id":\#(dee)},"channels":{"price_drops":"sms"}}"#, .invalidValue, "channels.price_drops"),
            (#"{"subscriber":{"customer_id":\#(dee)},"channels":{"marketing":"fax"}}"#, .invalidValue, "channels.marketing"),
            (#"{"subscriber":{"customer_id":\#(dee)},"channels":{}}"#, .missingField, "channels"),
            (
                #"{"subscriber":{"email":"guest@example.com"},"channels":{"marketing":"sms"}}"#, .invalidSubscriber,
                "subscriber.email"
            ),
            (
                #"{"subscriber":{"customer_id":999999999},"channels":{"marketing":"sms"}}"#, .customerNotFound,
                "subscriber.customer_id"
            ),
        ]
        for (body, code, field) in cases {
            let json = #"{"kind":"preferences","# + String(body.dropFirst())
            do {
                _ = try f.subscribe(json)
                Issue.record("\(body) was accepted")
            } catch let error as FunctionError {
                #expect(error.code == code && error.field == field, "\(body): \(error)")
            }
        }
        #expect(try f.scalar("SELECT count(*)::int AS value FROM notification_settings WHERE customer_id = \(dee)") == 0)
    }
}
