import Foundation
import PuntosAlerts
import PuntosCards
import PuntosCore
import PuntosDelivery
import PuntosLedger
import PuntosRuntime
import Testing

@Suite struct PriceRuleTests {
    func d(_ text: String) -> Decimal { Decimal(string: text)! }

    @Test func targetPriceFiresAtOrBelowTarget() {
        let rule = PriceRule(targetPrice: d("80"))
        #expect(rule.fires(newPrice: d("80"), baseline: d("100"), inStock: true))
        #expect(rule.fires(newPrice: d("79.99"), baseline: nil, inStock: true))
        #expect(!rule.fires(newPrice: d("80.01"), baseline: d("100"), inStock: true))
    }

    @Test func onlyInStockAndOnlyBelowTheBaseline() {
        let rule = PriceRule(targetPrice: d("80"))
        #expect(!rule.fires(newPrice: d("70"), baseline: d("100"), inStock: false))
        // Fired at 75 already (the baseline): 75 again or 78 is not a further drop.
        #expect(!rule.fires(newPrice: d("75"), baseline: d("75"), inStock: true))
        #expect(!rule.fires(newPrice: d("78"), baseline: d("75"), inStock: true))
        #expect(rule.fires(newPrice: d("74.99"), baseline: d("75"), inStock: true))
    }

    @Test func minimumDropInPercentAndAmount() {
        let percent = PriceRule(minDropPercent: d("10"))
        #expect(percent.fires(newPrice: d("90"), baseline: d("100"), inStock: true))
        #expect(!percent.fires(newPrice: d("90.01"), baseline: d("100"), inStock: true))
        #expect(!percent.fires(newPrice: d("50"), baseline: nil, inStock: true))
        let amount = PriceRule(minDropAmount: d("5"))
        #expect(amount.fires(newPrice: d("95"), baseline: d("100"), inStock: true))
        #expect(!amount.fires(newPrice: d("95.5"), baseline: d("100"), inStock: true))
        let both = PriceRule(targetPrice: d("90"), minDropPercent: d("5"))
        #expect(!both.fires(newPrice: d("94"), baseline: d("100"), inStock: true))
        #expect(both.fires(newPrice: d("90"), baseline: d("100"), inStock: true))
        #expect(!PriceRule().fires(newPrice: d("1"), baseline: d("100"), inStock: true))
    }
}

@Suite struct StockRuleTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func firesOncePerRestockWithTheMinimumQuantity() {
        let rule = StockRule(minQuantity: 3)
        #expect(rule.fires(quantity: 3, restockSeq: 1, notifiedRestock: nil, lastFiredAt: nil, now: now))
        #expect(!rule.fires(quantity: 2, restockSeq: 1, notifiedRestock: nil, lastFiredAt: nil, now: now))
        #expect(!rule.fires(quantity: 9, restockSeq: 1, notifiedRestock: 1, lastFiredAt: nil, now: now))
        // A new restock within the cool-down (stock flapping) sends nothing; after it, it does.
        #expect(!rule.fires(quantity: 9, restockSeq: 2, notifiedRestock: 1, lastFiredAt: now.addingTimeInterval(-600), now: now))
        #expect(
            rule.fires(quantity: 9, restockSeq: 2, notifiedRestock: 1, lastFiredAt: now.addingTimeInterval(-90_000), now: now))
        #expect(StockRule.isSellable(quantity: 1) && !StockRule.isSellable(quantity: 0) && !StockRule.isSellable(quantity: -2))
    }
}

@Suite struct DeliveryRuleTests {
    @Test func backoffGrowsExponentiallyWithJitterAndACap() {
        let policy = RetryPolicy(baseSeconds: 60, maxSeconds: 3600, maxAttempts: 5)
        #expect(policy.delay(afterAttempt: 1, random: 0) == 30)
        #expect(policy.delay(afterAttempt: 1, random: 1) == 60)
        #expect(policy.delay(afterAttempt: 3, random: 0.5) == 180)
        #expect(policy.delay(afterAttempt: 20, random: 1) == 3600)
        #expect(policy.delay(afterAttempt: 100, random: 0) == 1800)
        #expect(!policy.givesUp(after: 4) && policy.givesUp(after: 5))
    }

    @Test func quietHoursSpanMidnight() throws {
        let quiet = try #require(QuietHours.parse("21:00-08:00"))
        #expect(quiet.minutesUntilEnd(localMinute: 20 * 60 + 59) == 0)
        #expect(quiet.minutesUntilEnd(localMinute: 21 * 60) == 11 * 60)
        #expect(quiet.minutesUntilEnd(localMinute: 7 * 60 + 30) == 30)
        #expect(quiet.minutesUntilEnd(localMinute: 8 * 60) == 0)
        let day = try #require(QuietHours.parse("12:00-13:30"))
        #expect(day.minutesUntilEnd(localMinute: 12 * 60 + 30) == 60)
        #expect(QuietHours.parse("25:00-08:00") == nil && QuietHours.parse("nine to five") == nil)
    }

    @Test func decisionOrder() {
        func decide(
            _ channel: DeliveryChannel = .email, unsubscribed: Bool = false, minute: Int = 12 * 60, essential: Bool = false
        )
            -> DeliveryDecision
        {
            DeliveryDecision.decide(
                channel: channel, unsubscribed: unsubscribed, localMinute: minute,
                quietHours: QuietHours(start: 21 * 60, end: 8 * 60), essential: essential)
        }
        #expect(decide() == .send)
        #expect(decide(unsubscribed: true) == .suppress(reason: "unsubscribed"))
        #expect(decide(.sms, minute: 23 * 60) == .deferral(seconds: 9 * 3600, reason: "quiet_hours"))
        #expect(decide(.sms, minute: 23 * 60, essential: true) == .send)
        #expect(decide(.email, minute: 23 * 60) == .send)
    }

    /// The customer's channels honoured; an unconfigured channel falls back to the other one the
    /// customer has, else the notice is undeliverable at once (never waits for a channel that is not there).
    @Test func channelRouteHonoursTheChoiceAndFallsBack() {
        let all: Set<DeliveryChannel> = [.email, .sms, .webhook]
        func route(
            _ notice: DeliveryChannel? = nil, choice: ChannelChoice? = nil, preferred: DeliveryChannel? = nil,
            email: Bool = true, phone: Bool = true, configured: Set<DeliveryChannel> = [.email, .sms]
        ) -> ChannelRoute {
            ChannelRoute.decide(
                notice: notice, choice: choice, preferred: preferred,
                reach: .init(hasEmail: email, hasPhone: phone, configured: configured))
        }
        #expect(route() == .channels([.email]))
        #expect(route(email: false) == .channels([.sms]))
        #expect(route(choice: .sms) == .channels([.sms]))
        #expect(route(choice: .both) == .channels([.email, .sms]))
        #expect(route(choice: .both, phone: false) == .channels([.email]))
        #expect(route(choice: ChannelChoice.none) == .declined)
        #expect(route(.sms, choice: .email) == .channels([.sms]))  // the alert's own channel
        #expect(route(preferred: .sms) == .channels([.sms]))
        #expect(route(.webhook, configured: all) == .channels([.webhook]))
        // No SMTP: e-mail falls back to SMS; `both` is SMS alone.
        #expect(route(choice: .email, configured: [.sms]) == .channels([.sms]))
        #expect(route(choice: .both, configured: [.sms]) == .channels([.sms]))
        #expect(route(configured: [.sms]) == .channels([.sms]))
        // No SMS provider: SMS falls back to e-mail.
        #expect(route(choice: .sms, configured: [.email]) == .channels([.email]))
        // Nothing that reaches them: undeliverable, with the reason.
        #expect(route(phone: false, configured: [.sms]) == .undeliverable(reason: "email_not_configured"))
        #expect(route(choice: .sms, email: false, configured: [.email]) == .undeliverable(reason: "sms_not_configured"))
        #expect(route(email: false, phone: false) == .undeliverable(reason: "no_address"))
        #expect(route(email: false, phone: false, configured: all) == .channels([.webhook]))
        #expect(route(.webhook, email: false, phone: false) == .undeliverable(reason: "webhook_not_configured"))
    }

    /// The cap holds marketing alerts only, per kind, as the programme (or the customer) sets.
    @Test func theDailyCapHoldsMarketingAlertsOnly() {
        let cap = DailyCap(defaultCap: 10, programmeCaps: ["back_in_stock": 2])
        #expect(!cap.holds(.priceDrop, sent: 9) && cap.holds(.priceDrop, sent: 10))
        #expect(!cap.holds(.backInStock, sent: 1) && cap.holds(.backInStock, sent: 2))
        for kind in NoticeKind.known where kind.noticeClass == .transactional {
            #expect(cap.limit(for: kind) == nil && !cap.holds(kind, sent: 1000), "\(kind.rawValue) is capped")
        }
        #expect(DailyCap(defaultCap: 10, customerCap: 1).holds(.priceDrop, sent: 1))
        #expect(NoticeKind.known.filter { $0.noticeClass == .marketing } == [.priceDrop, .backInStock])
    }

    @Test func channelPreferencesValidateAndResolveKindBeforeClass() throws {
        let change = try ChannelPreferences.validateChange(
            ["marketing": "sms", "price_drop": "none", "transactional": nil], field: "channels")
        #expect(change.set == ["marketing": .sms, "price_drop": ChannelChoice.none] && change.forget == ["transactional"])
        let preferences = ChannelPreferences(change.set)
        #expect(preferences.choice(for: .priceDrop) == ChannelChoice.none)
        #expect(preferences.choice(for: .backInStock) == .sms)
        #expect(preferences.choice(for: .pointsEarned) == nil)
        #expect(
            ChannelPreferences(stored: ["transactional": .string("both"), "x": .string("pigeon")]).choices == [
                "transactional": .both
            ])
        let typo = refusal { _ = try ChannelPreferences.validateChange(["price_drops": "sms"], field: "channels") }
        #expect(typo?.code == .invalidValue && typo?.field == "channels.price_drops" && typo?.exitCode == 65)
        let pigeon = refusal { _ = try ChannelPreferences.validateChange(["marketing": "pigeon"], field: "channels") }
        #expect(pigeon?.code == .invalidValue && pigeon?.field == "channels.marketing")
        let empty = refusal { _ = try ChannelPreferences.validateChange([:], field: "channels") }
        #expect(empty?.code == .missingField && empty?.field == "channels")
    }

    @Test func signedTokensRefuseTamperingAndExpiry() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let confirm = SignedToken(purpose: .confirm, id: 42, expires: 1_800_000_100).encoded(secret: "s3cret")
        #expect(
            SignedToken.verify(confirm, purpose: .confirm, secret: "s3cret", now: now)
                == .success(SignedToken(purpose: .confirm, id: 42, expires: 1_800_000_100)))
        #expect(SignedToken.verify(confirm, purpose: .confirm, secret: "other", now: now) == .failure(.badSignature))
        #expect(
            SignedToken.verify(confirm, purpose: .confirm, secret: "s3cret", now: now.addingTimeInterval(101))
                == .failure(.expired))
        #expect(
            SignedToken.verify(
                confirm.replacingOccurrences(of: "c1.42.", with: "c1.43."), purpose: .confirm, secret: "s3cret", now: now)
                == .failure(.badSignature))
        #expect(SignedToken.verify(confirm, purpose: .unsubscribe, secret: "s3cret", now: now) == .failure(.malformed))
        let unsubscribe = SignedToken(purpose: .unsubscribe, id: 7).encoded(secret: "s3cret")
        #expect(
            SignedToken.verify(unsubscribe, purpose: .unsubscribe, secret: "s3cret", now: .distantFuture)
                == .success(SignedToken(purpose: .unsubscribe, id: 7)))
    }

    @Test func standardWebhooksSignature() {
        // The test vector of the Standard Webhooks specification.
        let signature = WebhookSignature.sign(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330,
            body: Data(#"{"test": 2432232314}"#.utf8), secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func mimeMessageHeadersAndParts() {
        let message = MIMEMessage(
            from: "Shop <a@shop.example>", to: "ana@example.com", subject: "Цена снижена: Чайник",
            messageID: MIMEMessage.messageID(dedupeKeys: ["b", "a"], domain: "shop.example"),
            date: Date(timeIntervalSince1970: 1_795_900_000), text: "hola", html: "<p>hola</p>",
            unsubscribeURL: "https://x.example/unsubscribe?token=u1.1.abc")
        let text = String(decoding: message.rendered(), as: UTF8.self)
        #expect(text.contains("Subject: =?UTF-8?B?"))
        #expect(text.contains("Date: Sat, 28 Nov 2026 21:06:40 +0000"))
        #expect(
            text.contains(
                "List-Unsubscribe: <https://x.example/unsubscribe?token=u1.1.abc>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
            ))
        #expect(text.contains("Content-Type: multipart/alternative; boundary="))
        #expect(
            text.contains("Content-Type: text/plain; charset=utf-8") && text.contains("Content-Type: text/html; charset=utf-8"))
        #expect(
            MIMEMessage.messageID(dedupeKeys: ["a", "b"], domain: "d")
                == MIMEMessage.messageID(dedupeKeys: ["b", "a"], domain: "d"))
        #expect(!text.contains("\n\n") && !text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }

    @Test func templatesInThreeLanguagesAndAGenericFallback() {
        let drop = NoticeFacts(
            kind: "price_drop", name: "Ana",
            payload: [
                "product_name": .string("Kettle"), "old_price": .string("100"), "new_price": .string("79.9"),
                "currency": .string("EUR"),
            ])
        #expect(MessageTemplates.render(drop, locale: "en").line == "Kettle now costs 79.90 EUR (was 100.00 EUR).")
        #expect(MessageTemplates.render(drop, locale: "es-MX").line == "Kettle ahora cuesta 79.90 EUR (antes 100.00 EUR).")
        #expect(MessageTemplates.render(drop, locale: "ru").subject == "Цена снижена: Kettle")
        let earned = NoticeFacts(kind: "points_earned", name: nil, payload: ["points": .number(120), "available": .number(560)])
        #expect(MessageTemplates.render(earned, locale: "fr").line == "You earned 120 points. Your balance: 560 points.")
        let spent = NoticeFacts(
            kind: "points_spent", name: nil,
            payload: [
                "points": .number(300), "available": .number(1000), "pending": .number(120), "held": .number(0),
                "card_last4": .string("1234"), "order_number": .string("MO-1"), "voucher_number": .string("V-9"),
                "invoice_number": .null,
            ])
        #expect(
            MessageTemplates.render(spent, locale: "en").line
                == "You spent 300 points (order MO-1, voucher V-9). Your balance on card ···1234: 1000 points (120 pending).")
        let unknown = NoticeFacts(kind: "card_blocked", name: nil, payload: ["card": .string("****1234")])
        #expect(MessageTemplates.render(unknown, locale: "en").line == "Update (card blocked): card: ****1234.")
        #expect(MessageTemplates.greeting("Ана", locale: "ru") == "Здравствуйте, Ана!")
    }
}

@Suite struct RecipientKeyTests {
    @Test func theCustomerFirstThenTheEmailThenThePhone() {
        #expect(RecipientKey.of(customerId: 42, email: "a@b.c", phone: "+1") == .customer(42))
        #expect(RecipientKey.of(customerId: nil, email: "a@b.c", phone: "+1")?.rawValue == "e:a@b.c")
        #expect(RecipientKey.of(customerId: nil, email: nil, phone: "+1")?.rawValue == "p:+1")
        #expect(RecipientKey.of(customerId: nil, email: nil, phone: nil) == nil)
        #expect(RecipientKey.all(customerId: 42, email: nil, phone: "+1").map(\.rawValue) == ["c:42", "p:+1"])
        #expect(RecipientKey(rawValue: "c:42") == .customer(42))
        #expect(RecipientKey(rawValue: "x:42") == nil && RecipientKey(rawValue: "e:") == nil)
    }

    @Test func cardStatusesRefuseWithTheirOwnCodes() {
        #expect(FunctionError.Code.cardIs(CardStatus.blocked) == .cardBlocked)
        #expect(FunctionError.Code.cardIs(CardStatus.replaced) == .cardReplaced)
        #expect(CardStatus(rawValue: "lost") == nil)
    }
}
