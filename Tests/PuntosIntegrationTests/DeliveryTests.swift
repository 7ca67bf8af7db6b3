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

@Suite struct DeliveryTests {
    func priceDrop(_ f: AlertsFixture, customer: Int64, sku: String = "K-1") throws {
        _ = try f.subscribe(
            #"{"kind":"price","subscriber":{"customer_id":\#(customer)},"store":"web","sku":"\#(sku)","product_name":"Kettle","currency":"USD","target_price":"80","current_price":"99.5"}"#
        )
        #expect(try f.prices([.init(sku: sku, price: Decimal(string: "79")!)]).notices == 1)
    }

    func ledgerNotice(_ f: AlertsFixture, customer: Int64, key: String, channel: String? = nil) throws {
        try f.execute(
            """
            INSERT INTO notices (programme_id, customer_id, kind, dedupe_key, payload, channel, next_attempt_at)
            VALUES (\(f.programme), \(customer), 'points_earned', \(TestDatabase.unique(key)),
                    '{"points": 120, "available": 560, "invoice_number": "F-77"}', \(channel), now() - interval '1 second')
            """)
    }

    func apiGateway(_ method: String, token: String, form: Bool = false) -> Data {
        var request: [String: Any] = [
            "version": "2.0", "routeKey": "\(method) /unsubscribe", "rawPath": "/unsubscribe",
            "queryStringParameters": ["token": token],
            "requestContext": ["http": ["method": method, "path": "/unsubscribe"]],
        ]
        if form {
            request["headers"] = ["content-type": "application/x-www-form-urlencoded"]
            request["body"] = "List-Unsubscribe=One-Click"
        }
        return try! JSONSerialization.data(withJSONObject: request)
    }

    @Test func anEmailGroupsTheNoticesAndItsLinkUnsubscribesByGetAndPost() throws {
        let f = try AlertsFixture()
        let smtp = try FixtureServer.smtp()
        defer { smtp.stop() }
        let ana = try f.customer("Ana", locale: "es")
        try priceDrop(f, customer: ana)
        try ledgerNotice(f, customer: ana, key: "earned")
        let output = try f.deliver(f.deliveryConfiguration(smtpPort: smtp.port))
        #expect(output.claimed == 2 && output.sent == 2 && output.messages == 1)

        let messages = try smtp.received()
        try #require(messages.count == 1)
        let message = messages[0]
        let headers = message["headers"] as! [String: String]
        #expect(message["content_type"] as? String == "multipart/alternative")
        #expect(headers["Subject"] == "Tienes 2 novedades")
        #expect(headers["From"] == "Shop <alerts@shop.example>")
        #expect(headers["Message-ID"]?.range(of: #"^<[0-9a-f]{32}@shop\.example>$"#, options: .regularExpression) != nil)
        #expect(headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click")
        let unsubscribe = try #require(headers["List-Unsubscribe"])
        #expect(unsubscribe.hasPrefix("<https://shop.example/unsubscribe?token=u1."))
        let text = try #require(message["text"] as? String)
        let html = try #require(message["html"] as? String)
        #expect(text.hasPrefix("Hola, Ana:"))
        #expect(text.contains("Kettle (K-1) ahora cuesta 79.00 USD (antes 99.50 USD; tu precio objetivo 80.00 USD)."))
        #expect(text.contains("Has ganado 120 puntos (factura F-77). Tu saldo: 560 puntos."))
        #expect(html.contains("<p>Kettle (K-1) ahora cuesta 79.00 USD (antes 99.50 USD; tu precio objetivo 80.00 USD).</p>"))
        let link = String(unsubscribe.dropFirst().dropLast())
        #expect(text.contains("Darse de baja: \(link)") && html.contains("href=\"\(link)\""))
        let attempts: Int = try f.scalar(
            """
            SELECT count(*)::int AS value FROM delivery_attempts a JOIN notices n ON n.id = a.notice_id
            WHERE n.programme_id = \(f.programme) AND a.outcome = 'sent' AND a.message_id = \(headers["Message-ID"]!)
            """)
        #expect(attempts == 2)

        // GET shows a confirmation page and changes nothing; POST (RFC 8058 one-click) unsubscribes.
        let token = String(link.split(separator: "token=").last!)
        let runner = FunctionRunner(Unsubscribe(configuration: f.links))
        let page =
            try JSONSerialization.jsonObject(with: runner.invoke(apiGateway("GET", token: token), context: f.context()).get())
            as! [String: Any]
        #expect(page["statusCode"] as? Int == 200)
        let pageBody = try JSONSerialization.jsonObject(with: Data((page["body"] as! String).utf8)) as! [String: Any]
        #expect(pageBody["status"] as? String == "confirm")
        #expect((pageBody["html"] as? String)?.contains("<form method=\"post\"") == true)
        #expect(try f.scalar("SELECT count(*)::int AS value FROM unsubscribes WHERE programme_id = \(f.programme)") == 0)
        let done =
            try JSONSerialization.jsonObject(
                with: runner.invoke(apiGateway("POST", token: token, form: true), context: f.context()).get()) as! [String: Any]
        let doneBody = try JSONSerialization.jsonObject(with: Data((done["body"] as! String).utf8)) as! [String: Any]
        #expect(done["statusCode"] as? Int == 200 && doneBody["status"] as? String == "unsubscribed")
        #expect(doneBody["removed_subscriptions"] as? Int == 1)
        #expect(
            try f.scalar(
                "SELECT count(*)::int AS value FROM unsubscribes WHERE programme_id = \(f.programme) AND source = 'one-click'")
                >= 1)

        // Honoured at once: a new notice is suppressed, nothing more is sent; a forged token is refused.
        try ledgerNotice(f, customer: ana, key: "after")
        let after = try f.deliver(f.deliveryConfiguration(smtpPort: smtp.port))
        #expect(after.suppressed == 1 && after.sent == 0)
        #expect(try smtp.received().count == 1)
        #expect(throws: FunctionError.self) {
            try Unsubscribe(configuration: f.links).handle(
                UnsubscribeEvent(kind: "unsubscribe", token: token + "x"), context: f.context())
        }
    }

    @Test func theSMTPServerDownThenUpIsRetriedAndDeliveredOnce() throws {
        let f = try AlertsFixture()
        let probe = try FixtureServer.smtp()
        let port = probe.port
        probe.stop()
        let bea = try f.customer("Bea")
        try ledgerNotice(f, customer: bea, key: "down")
        let now = Date()
        let down = try f.deliver(f.deliveryConfiguration(smtpPort: port), now: now)
        #expect(down.claimed == 1 && down.retrying == 1 && down.sent == 0)
        let next: Date = try f.scalar(
            "SELECT next_attempt_at AS value FROM notices WHERE programme_id = \(f.programme)", as: Date.self)
        #expect(next > now.addingTimeInterval(30) && next < now.addingTimeInterval(120))  // 60 s with jitter 0.5: 45 s

        let smtp = try FixtureServer.smtp(port: port, folder: probe.folder)
        defer { smtp.stop() }
        // Not due yet.
        #expect(try f.deliver(f.deliveryConfiguration(smtpPort: port), now: now.addingTimeInterval(10)).claimed == 0)
        let up = try f.deliver(f.deliveryConfiguration(smtpPort: port), now: now.addingTimeInterval(3600))
        #expect(up.sent == 1 && up.messages == 1)
        #expect(try f.deliver(f.deliveryConfiguration(smtpPort: port), now: now.addingTimeInterval(7200)).claimed == 0)
        #expect(try smtp.received().count == 1)
        let outcomes: String = try f.scalar(
            """
            SELECT string_agg(a.outcome, ',' ORDER BY a.id) AS value FROM delivery_attempts a JOIN notices n ON n.id = a.notice_id
            WHERE n.programme_id = \(f.programme)
            """, as: String.self)
        #expect(outcomes == "temporary_failure,sent")
        #expect(try f.notices().map(\.status) == ["sent"])
    }

    @Test func aPermanentRejectionIsDeadAndNotRetried() throws {
        let f = try AlertsFixture()
        let cid = try f.customer("Cid")
        let address: String = try f.scalar("SELECT email AS value FROM customers WHERE id = \(cid)", as: String.self)
        let smtp = try FixtureServer.smtp(reject: [address])
        defer { smtp.stop() }
        try ledgerNotice(f, customer: cid, key: "rejected")
        let output = try f.deliver(f.deliveryConfiguration(smtpPort: smtp.port))
        #expect(output.dead == 1 && output.retrying == 0)
        #expect(try f.notices().map(\.status) == ["dead"])
        #expect(try f.deliver(f.deliveryConfiguration(smtpPort: smtp.port), now: Date().addingTimeInterval(86_400)).claimed == 0)
        let code: Int = try f.scalar(
            """
            SELECT a.response_code AS value FROM delivery_attempts a JOIN notices n ON n.id = a.notice_id
            WHERE n.programme_id = \(f.programme) AND a.outcome = 'permanent_failure'
            """)
        #expect(code == 550)
        #expect(try smtp.received().isEmpty)
    }

    @Test func smsRespectsQuietHoursAndWebhooksAreSigned() throws {
        let f = try AlertsFixture()
        let secret = "whsec_" + Data("a webhook secret of 32 bytes....".utf8).base64EncodedString()
        let http = try FixtureServer.http(secret: secret)
        defer { http.stop() }
        let night = try f.customer("Noche", email: false, phone: "+34600000001", locale: "es")
        let day = try f.customer("Dia", email: false, phone: "+34600000002", locale: "es")
        let hook = try f.customer("Hook")
        let now = Date()
        let minute = Int(now.timeIntervalSince1970 / 60) % 1440
        // Quiet from an hour ago to an hour ahead in UTC; twelve hours away it is day.
        try f.execute(
            """
            INSERT INTO notification_settings (customer_id, time_zone) VALUES (\(night), 'UTC'), (\(day), 'Etc/GMT-12')
            """)
        try ledgerNotice(f, customer: night, key: "night")
        try ledgerNotice(f, customer: day, key: "day")
        try ledgerNotice(f, customer: hook, key: "hook", channel: "webhook")
        var configuration = f.deliveryConfiguration()
        configuration.smsURL = "http://127.0.0.1:\(http.port)/sms"
        configuration.smsBodyTemplate = #"{"to":"{{to}}","message":"{{text}}","sender":"Shop"}"#
        configuration.webhookURL = "http://127.0.0.1:\(http.port)/webhook"
        configuration.webhookSecret = secret
        configuration.quietHours = QuietHours(start: (minute + 1380) % 1440, end: (minute + 60) % 1440)
        let output = try f.deliver(configuration, now: now)
        #expect(output.sent == 2 && output.deferred == 1, "\(output)")

        let received = try http.received()
        let sms = try #require(received.first { $0["path"] as? String == "/sms" })
        let body = try JSONSerialization.jsonObject(with: Data((sms["body"] as! String).utf8)) as! [String: String]
        #expect(body["to"] == "+34600000002" && body["sender"] == "Shop")
        #expect(body["message"]?.hasPrefix("Has ganado 120 puntos") == true)
        #expect(body["message"]?.contains("Baja: https://shop.example/unsubscribe?token=u1.") == true)
        let webhook = try #require(received.first { $0["path"] as? String == "/webhook" })
        #expect(webhook["signature_valid"] as? Bool == true)
        let headers = webhook["headers"] as! [String: String]
        #expect(headers["webhook-id"]?.hasPrefix("ntc_") == true && headers["webhook-signature"]?.hasPrefix("v1,") == true)
        let event = try JSONSerialization.jsonObject(with: Data((webhook["body"] as! String).utf8)) as! [String: Any]
        #expect(event["type"] as? String == "notice.points_earned")
        #expect(((event["data"] as? [String: Any])?["payload"] as? [String: Any])?["invoice_number"] as? String == "F-77")
        let deferred: Date = try f.scalar(
            """
            SELECT next_attempt_at AS value FROM notices WHERE programme_id = \(f.programme) AND customer_id = \(night)
            """, as: Date.self)
        #expect(deferred > now.addingTimeInterval(3000) && deferred <= now.addingTimeInterval(3700))

        // A receiver answering 4xx is a permanent failure: dead, not retried.
        try ledgerNotice(f, customer: hook, key: "gone", channel: "webhook")
        configuration.webhookURL = "http://127.0.0.1:\(http.port)/status/410"
        let gone = try f.deliver(configuration, now: now)
        #expect(gone.dead == 1)
    }

    func alertNotice(_ f: AlertsFixture, customer: Int64, kind: String = "price_drop", key: String) throws {
        try f.execute(
            """
            INSERT INTO notices (programme_id, customer_id, kind, dedupe_key, payload, next_attempt_at)
            VALUES (\(f.programme), \(customer), \(kind), \(TestDatabase.unique(key)),
                    '{"sku": "KET-1", "product_name": "Kettle", "currency": "USD", "new_price": "39.90", "quantity": 3}',
                    now() - interval '1 second')
            """)
    }

    /// Implosa e-mails every change: on a busy day the 11th points e-mail goes at once (the cap is for
    /// marketing), while the 11th price alert waits for the 24-hour window; restocks have their own
    /// cap, which the programme sets per kind.
    @Test func theDailyCapHoldsMarketingAlertsPerKindNeverPointsMessages() throws {
        let f = try AlertsFixture()
        let smtp = try FixtureServer.smtp()
        defer { smtp.stop() }
        let dee = try f.customer("Dee", locale: "es")
        let configuration = f.deliveryConfiguration(smtpPort: smtp.port)
        #expect(configuration.dailyCap == 10)
        for n in 1...11 {
            try ledgerNotice(f, customer: dee, key: "earned-\(n)")
            let run = try f.deliver(configuration)
            #expect(run.sent == 1 && run.messages == 1 && run.deferred == 0, "points e-mail \(n): \(run)")
        }
        for n in 1...10 {
            try alertNotice(f, customer: dee, key: "drop-\(n)")
            #expect(try f.deliver(configuration).sent == 1, "price alert \(n)")
        }
        // The 11th price alert is held; a points e-mail queued beside it goes at once, alone.
        try alertNotice(f, customer: dee, key: "drop-11")
        try ledgerNotice(f, customer: dee, key: "earned-12")
        let busy = try f.deliver(configuration)
        #expect(busy.sent == 1 && busy.deferred == 1 && busy.messages == 1, "\(busy)")
        let held: (String, Date) = try f.database.withConnection { connection in
            let row = try connection.query(
                """
                SELECT status, next_attempt_at FROM notices WHERE programme_id = \(f.programme) AND kind = 'price_drop'
                ORDER BY id DESC LIMIT 1
                """
            ).one()
            return (try row.decode("status"), try row.decode("next_attempt_at"))
        }
        #expect(held.0 == "pending" && held.1 > Date().addingTimeInterval(20 * 3600), "\(held)")
        let detail: String = try f.scalar(
            """
            SELECT a.detail AS value FROM delivery_attempts a JOIN notices n ON n.id = a.notice_id
            WHERE n.programme_id = \(f.programme) AND a.outcome = 'deferred'
            """, as: String.self)
        #expect(detail == "daily_cap")

        // Restocks are counted apart, capped at 1 a day by this programme.
        // Set as a shop sets it, through configure; a cap on a points message is refused.
        func configure(_ caps: String) throws -> ConfigureResult {
            try Configure().handle(
                try EventDecoding.decode(
                    ConfigureEvent.self,
                    from: Data(#"{"kind":"settings","programme":"\#(f.programme)","daily_caps":\#(caps)}"#.utf8)),
                context: FunctionContext.make(database: f.database))
        }
        #expect(throws: FunctionError.self, performing: { try configure(#"{"points_earned": 1}"#) })
        _ = try configure(#"{"back_in_stock": 1}"#)
        try alertNotice(f, customer: dee, kind: "back_in_stock", key: "restock-1")
        #expect(try f.deliver(configuration).sent == 1)
        try alertNotice(f, customer: dee, kind: "back_in_stock", key: "restock-2")
        let second = try f.deliver(configuration)
        #expect(second.deferred == 1 && second.sent == 0, "\(second)")
        #expect(try smtp.received().count == 11 + 10 + 1 + 1)
        // A day later the held alerts go.
        #expect(try f.deliver(configuration, now: Date().addingTimeInterval(90_000)).sent == 2)
    }
}

/// The recipient key has one Swift home (`RecipientKey`) and one SQL home (`puntos_recipient_key`,
/// `puntos_recipient_keys`, and the subscriber column derived from them): the two must agree.
@Suite struct RecipientKeyAgreementTests {
    @Test func swiftAndSQLSpellTheSameKeys() throws {
        let f = try AlertsFixture()
        let cases: [(Int64?, String?, String?)] = [
            (42, "ana@example.com", "+34600000001"), (nil, "ana@example.com", "+34600000001"), (nil, nil, "+34600000001"),
            (7, nil, nil),
        ]
        for (customer, email, phone) in cases {
            let key = try f.scalar(
                "SELECT puntos_recipient_key(\(customer)::bigint, \(email)::text, \(phone)::text) AS value", as: String.self)
            #expect(key == RecipientKey.of(customerId: customer, email: email, phone: phone)?.rawValue)
            let keys = try f.scalar(
                "SELECT array_to_string(puntos_recipient_keys(\(customer)::bigint, \(email)::text, \(phone)::text), ' ') AS value",
                as: String.self)
            #expect(
                keys == RecipientKey.all(customerId: customer, email: email, phone: phone).map(\.rawValue).joined(separator: " "))
        }
        let ana = try f.customer("Ana")
        _ = try f.subscribe(
            #"{"kind":"stock","subscriber":{"customer_id":\#(ana)},"store":"web","sku":"RK-1"}"#)
        let subscriber = try f.scalar(
            "SELECT subscriber AS value FROM alert_subscriptions WHERE customer_id = \(ana) AND sku = 'RK-1'", as: String.self)
        #expect(subscriber == RecipientKey.customer(ana).rawValue)
    }
}
