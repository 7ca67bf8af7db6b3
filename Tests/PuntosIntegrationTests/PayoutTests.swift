import Foundation
import PuntosCore
import PuntosDelivery
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// ReBase Smart's payouts: points (1 point = 1 rouble) paid to a card through a real HTTP provider
/// (Tests/Fixtures/payout_provider.py), held while moderated and sent, spent or given back to the
/// same lots by the provider's callback.
@Suite struct PayoutTests {
    static let secret = "provider-secret"

    /// A ReBase-like programme: roubles, 1 point per rouble earned, 1 rouble per point paid out.
    func rebase() throws -> LedgerFixture {
        var settings = LedgerFixture.Settings()
        settings.currency = "RUB"
        settings.pointValue = 1
        return try LedgerFixture(settings)
    }

    /// A card with two lots: 100 points (the older) and 200.
    func member(_ f: LedgerFixture) throws -> String {
        let card = try f.card()
        for (number, amount) in [("R-1", 100), ("R-2", 200)] {
            _ = try f.accrue(
                #"{"kind":"invoice","card_number":"\#(card)","number":"\#(number)-\#(card)","date":"\#(Timestamp.format(Date()))","currency":"RUB","lines":[{"sku":"TOOL","quantity":1,"amount":\#(amount)}]}"#
            )
        }
        return card
    }

    func payout(_ f: LedgerFixture, _ card: String, points: Int64, destination: String = "tok_card_8a7f42") throws
        -> RedeemResult
    {
        try f.redeem(#"{"kind":"payout","card_number":"\#(card)","points":\#(points),"destination":"\#(destination)"}"#)
    }

    /// The provider's callback, signed (as the gateway passes on) by `caller`.
    func callback(
        _ f: LedgerFixture, _ number: String, _ status: String, reference: String, caller: String? = "payouts"
    ) throws -> RedeemResult {
        var context = f.context()
        context.caller = caller
        let body =
            #"{"kind":"payout_result","payout_id":"\#(number)","status":"\#(status)","provider_reference":"\#(reference)"}"#
        return try Redeem().handle(try EventDecoding.decode(RedeemEvent.self, from: f.json(body)), context: context)
    }

    func deliver(_ f: LedgerFixture, provider: FixtureServer, mode: String, timeout: Double = 5, now: Date = Date()) throws
        -> PayoutTally
    {
        var configuration = DeliveryConfiguration()
        configuration.links = AlertsConfiguration(signingSecret: "links-secret")
        configuration.payouts = PayoutProvider(url: "http://127.0.0.1:\(provider.port)/\(mode)/payouts", secret: Self.secret)
        configuration.payouts.timeoutSeconds = timeout
        configuration.retry = RetryPolicy(baseSeconds: 60, maxSeconds: 600, maxAttempts: 3)
        return try Deliver(configuration: configuration, random: { 0.5 }).handle(
            DeliverEvent(programme: f.programme), context: f.context(now)
        ).payouts
    }

    /// Each lot's remaining points, oldest first.
    func lots(_ f: LedgerFixture, _ card: String) throws -> [Int64] {
        try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT l.remaining FROM lots l JOIN cards c ON c.customer_id = l.customer_id
                WHERE c.number = \(card) ORDER BY l.id
                """
            ).map { try $0.decode("remaining") }
        }
    }

    /// The payout's events as `kind:reference`.
    func events(_ f: LedgerFixture, _ number: String) throws -> [String] {
        try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT e.kind || ':' || coalesce(e.provider_reference, '-') AS value
                FROM payout_events e JOIN payouts p ON p.id = e.payout_id WHERE p.number = \(number) ORDER BY e.id
                """
            ).map { try $0.decode("value") }
        }
    }

    /// The payout's ledger entries as `kind:available:held`, and each one's lot draws.
    func entries(_ f: LedgerFixture, _ number: String) throws -> [String] {
        try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT e.kind || ':' || e.available_delta || ':' || e.held_delta
                       || coalesce(' ' || (SELECT string_agg(d.points::text, ',' ORDER BY d.lot_id) FROM lot_draws d
                                            WHERE d.entry_id = e.id), '')
                       || ' ' || coalesce(e.rule -> 'payout' ->> 'provider_reference', '-') AS value
                FROM ledger_entries e WHERE e.programme_id = \(f.programme) AND e.order_number = \(number) ORDER BY e.id
                """
            ).map { try $0.decode("value") }
        }
    }

    @Test func aPayoutApprovedThatFailsAtTheProviderGivesThePointsBackToTheSameLots() throws {
        let f = try rebase()
        let provider = try FixtureServer.payoutProvider(secret: Self.secret)
        defer { provider.stop() }
        let card = try member(f)
        #expect(try lots(f, card) == [100, 200])

        let requested = try payout(f, card, points: 150)
        let number = try #require(requested.payout?.payoutId)
        #expect(requested.status == "requested")
        #expect(requested.payout?.amount == 150 && requested.payout?.currency == "RUB")
        #expect(requested.balance.available == 150 && requested.balance.held == 150)
        #expect(try lots(f, card) == [0, 150])

        let approved = try f.redeem(#"{"kind":"approve_payout","payout_id":"\#(number)"}"#)
        #expect(approved.status == "approved")
        let run = try deliver(f, provider: provider, mode: "fail")
        #expect(
            run
                == {
                    var t = PayoutTally(); t.claimed = 1; t.sent = 1; return t
                }())
        let sent = try provider.received("requests")
        try #require(sent.count == 1)
        let headers = try #require(sent[0]["headers"] as? [String: String])
        #expect(sent[0]["signature_valid"] as? Bool == true)
        #expect(headers["idempotency-key"] == number && headers["x-puntos-caller"] == "puntos")
        let body = try JSONSerialization.jsonObject(with: Data((sent[0]["body"] as! String).utf8)) as! [String: Any]
        #expect(body["amount"] as? String == "150.00" && body["destination"] as? String == "tok_card_8a7f42")
        #expect((body["callback_url"] as? String)?.hasSuffix("/payouts/\(number)/result?programme=\(f.programme)") == true)

        // The provider calls back: failed. The points go back to the lots they came from.
        let failed = try callback(f, number, "failed", reference: "prv-\(number)")
        #expect(failed.status == "failed" && failed.payout?.providerReference == "prv-\(number)")
        #expect(failed.balance.available == 300 && failed.balance.held == 0)
        #expect(try lots(f, card) == [100, 200])
        #expect(try entries(f, number) == ["hold:-150:150 -100,-50 -", "release:150:-150 100,50 prv-\(number)"])
        #expect(
            try events(f, number) == ["requested:-", "approved:-", "sent:prv-\(number)", "failed:prv-\(number)"])

        // The provider calls back again: the same answer, nothing new.
        let count = try f.count("ledger_entries")
        #expect(try callback(f, number, "failed", reference: "prv-\(number)") == failed)
        #expect(try f.count("ledger_entries") == count)
        #expect(try events(f, number).count == 4)
        // A result contradicting it, or not from the provider, is refused and changes nothing.
        #expect(f.failure { try callback(f, number, "succeeded", reference: "prv-\(number)") }?.code == .payoutSettled)
        #expect(
            f.failure { try callback(f, number, "failed", reference: "prv-\(number)", caller: "pos") }?.code == .notPayoutProvider
        )
        #expect(try f.count("ledger_entries") == count)
        #expect(try f.balance(of: card).available == 300)
        try f.checkInvariants()
    }

    @Test func aPayoutApprovedAndPaidSpendsTheHoldOnce() throws {
        let f = try rebase()
        let provider = try FixtureServer.payoutProvider(secret: Self.secret)
        defer { provider.stop() }
        let card = try member(f)
        let number = try #require(try payout(f, card, points: 120).payout?.payoutId)
        // Not approved yet: the provider's word is refused, and nothing is sent.
        #expect(f.failure { try callback(f, number, "succeeded", reference: "x") }?.code == .payoutNotApproved)
        #expect(try deliver(f, provider: provider, mode: "succeed").claimed == 0)
        _ = try f.redeem(#"{"kind":"approve_payout","payout_id":"\#(number)","reason":"receipt checked"}"#)
        #expect(f.failure { try f.redeem(#"{"kind":"approve_payout","payout_id":"\#(number)"}"#) }?.code == .notPendingModeration)
        #expect(try deliver(f, provider: provider, mode: "succeed").sent == 1)
        #expect(try deliver(f, provider: provider, mode: "succeed", now: Date().addingTimeInterval(86_400)).claimed == 0)

        let paid = try callback(f, number, "succeeded", reference: "prv-\(number)")
        #expect(paid.status == "succeeded" && paid.points == 120 && paid.value == 120)
        #expect(paid.balance.available == 180 && paid.balance.held == 0)
        #expect(try callback(f, number, "succeeded", reference: "prv-\(number)") == paid)
        #expect(try entries(f, number) == ["hold:-120:120 -100,-20 -", "redemption:0:-120 prv-\(number)"])
        #expect(
            try events(f, number) == ["requested:-", "approved:-", "sent:prv-\(number)", "succeeded:prv-\(number)"])
        #expect(try lots(f, card) == [0, 180])
        #expect(try provider.received("payments").count == 1)
        let statement = try f.balance(#"{"kind":"statement","card_number":"\#(card)"}"#)
        #expect(statement.entries?.first?.reason == "paid out to card …7f42, provider reference prv-\(number)")

        // A second payout rejected: its points go back at once, and it cannot be approved after.
        let second = try #require(try payout(f, card, points: 30).payout?.payoutId)
        let rejected = try f.redeem(#"{"kind":"reject_payout","payout_id":"\#(second)","reason":"duplicate request"}"#)
        #expect(rejected.status == "rejected" && rejected.balance.available == 180 && rejected.balance.held == 0)
        #expect(f.failure { try f.redeem(#"{"kind":"approve_payout","payout_id":"\#(second)"}"#) }?.code == .notPendingModeration)
        #expect(f.failure { try callback(f, second, "succeeded", reference: "x") }?.code == .payoutNotApproved)
        try f.checkInvariants()
    }

    /// The provider takes longer than the timeout: the request is retried with the same idempotency
    /// key, and the provider pays once. A provider that keeps failing leaves the payout undeliverable,
    /// its points held until an administrator rejects it.
    @Test func aTimedOutRequestIsRetriedUnderTheSameKeyAndPaidOnce() throws {
        let f = try rebase()
        let provider = try FixtureServer.payoutProvider(secret: Self.secret, arguments: ["--slow", "3"])
        defer { provider.stop() }
        let card = try member(f)
        let number = try #require(try payout(f, card, points: 50).payout?.payoutId)
        _ = try f.redeem(#"{"kind":"approve_payout","payout_id":"\#(number)"}"#)
        let first = try deliver(f, provider: provider, mode: "timeout", timeout: 1)
        #expect(first.claimed == 1 && first.retrying == 1 && first.sent == 0)
        #expect(try deliver(f, provider: provider, mode: "timeout", timeout: 1).claimed == 0)
        let second = try deliver(f, provider: provider, mode: "timeout", timeout: 1, now: Date().addingTimeInterval(3600))
        #expect(second.sent == 1)
        let requests = try provider.received("requests")
        #expect(requests.count == 2)
        #expect(Set(requests.compactMap { ($0["headers"] as? [String: String])?["idempotency-key"] }) == [number])
        #expect(try provider.received("payments").count == 1)
        #expect(try events(f, number) == ["requested:-", "approved:-", "sent:prv-\(number)"])

        // 503 three times: dead, the payout undeliverable, the points still held; rejected, they go back.
        let other = try #require(try payout(f, card, points: 40).payout?.payoutId)
        _ = try f.redeem(#"{"kind":"approve_payout","payout_id":"\#(other)"}"#)
        var now = Date()
        for _ in 0..<3 {
            _ = try deliver(f, provider: provider, mode: "status/503", now: now)
            now = now.addingTimeInterval(3600)
        }
        #expect(try events(f, other) == ["requested:-", "approved:-", "undeliverable:-"])
        #expect(try f.balance(of: card).held == 90)
        let rejected = try f.redeem(#"{"kind":"reject_payout","payout_id":"\#(other)"}"#)
        #expect(rejected.status == "rejected" && rejected.balance.held == 50 && rejected.balance.available == 250)
        try f.checkInvariants()
    }

    @Test func aCardNumberIsNeverTakenAsADestination() throws {
        let f = try rebase()
        let card = try member(f)
        let count = try f.count("ledger_entries")
        for destination in ["4111111111111111", "4111 1111 1111 1111", "tok_4111-1111-1111-1111", "5500005555555559"] {
            let error = f.failure { try payout(f, card, points: 10, destination: destination) }
            #expect(
                error?.code == .cardNumberNotAllowed && error?.field == "destination" && error?.exitCode == 65, "\(destination)")
        }
        let malformed = f.failure { try payout(f, card, points: 10, destination: "tok card") }
        #expect(malformed?.code == .invalidValue && malformed?.field == "destination")
        // A token with digits that are no card number is fine.
        #expect(try payout(f, card, points: 10, destination: "tok_1234567890123").status == "requested")
        #expect(f.failure { try payout(f, card, points: 1000) }?.code == .insufficientPoints)
        #expect(f.failure { try f.redeem(#"{"kind":"approve_payout","payout_id":"P999999999999"}"#) }?.code == .payoutNotFound)
        #expect(f.failure { try f.redeem(#"{"kind":"approve_payout","payout_id":"42"}"#) }?.field == "payout_id")
        #expect(try f.count("ledger_entries") == count + 1)
        try f.checkInvariants()

        // A thousandth of a unit per point: 5 points are half a cent, which no provider pays.
        var settings = LedgerFixture.Settings()
        settings.currency = "RUB"
        settings.pointValue = Decimal(string: "0.001")!
        let tiny = try LedgerFixture(settings)
        let member = try self.member(tiny)
        let halfCent = tiny.failure { try payout(tiny, member, points: 5) }
        #expect(halfCent?.code == .belowMinimum && halfCent?.field == "points")
        #expect(try payout(tiny, member, points: 10).payout?.amount == Decimal(string: "0.01")!)
    }

    /// Through `puntos up`: the provider pays and calls back twice with the same signed request; the
    /// first settles the payout, the second is refused as a replay and changes nothing. A forged
    /// callback, a captured one re-encoded, and one signed by the POS are refused; a fresh signature
    /// over the same result answers the same and writes nothing.
    @Test func theProvidersSignedCallbackSettlesOnceThroughTheGateway() throws {
        let f = try rebase()
        let runtime = try LocalRuntime(template: "Tests/Fixtures/deploy.payouts.yaml")
        defer { runtime.stop() }
        let provider = try FixtureServer.payoutProvider(
            secret: Self.secret,
            arguments: [
                "--caller", "payouts", "--callback-secret", "payouts-secret", "--callbacks", "2", "--callback-base", runtime.base,
            ])
        defer { provider.stop() }
        let card = try member(f)
        let number = try #require(try payout(f, card, points: 70).payout?.payoutId)
        _ = try f.redeem(#"{"kind":"approve_payout","payout_id":"\#(number)"}"#)
        #expect(try deliver(f, provider: provider, mode: "succeed").sent == 1)
        let deadline = Date().addingTimeInterval(30)
        while try provider.received("callbacks").count < 2, Date() < deadline { usleep(50_000) }
        let answers = try provider.received("callbacks").compactMap { $0["status"] as? Int }.sorted()
        #expect(answers == [200, 401])
        #expect(try provider.received("callbacks").contains { ($0["answer"] as? String)?.contains("replayed_request") == true })
        #expect(try events(f, number) == ["requested:-", "approved:-", "sent:prv-\(number)", "succeeded:prv-\(number)"])
        #expect(try entries(f, number) == ["hold:-70:70 -70 -", "redemption:0:-70 prv-\(number)"])
        #expect(try f.balance(of: card).available == 230)

        let count = try f.count("ledger_entries")
        let target = "/payouts/\(number)/result?programme=\(f.programme)"
        let body = #"{"status": "succeeded", "provider_reference": "prv-\#(number)"}"#
        let forged = LocalRuntime.signature(
            caller: "payouts", secret: "not-the-secret", method: "POST", target: target, body: body)
        #expect(try runtime.send("POST", target, body: body, headers: forged).status == 401)
        let signed = LocalRuntime.signature(
            caller: "payouts", secret: "payouts-secret", method: "POST", target: target, body: body,
            timestamp: Int(Date().timeIntervalSince1970) + 2)
        let fresh = try runtime.send("POST", target, body: body, headers: signed)
        #expect(fresh.status == 200, "\(String(decoding: fresh.body, as: UTF8.self))")
        #expect(String(decoding: fresh.body, as: UTF8.self).contains(#""status":"succeeded""#))
        let reencoded = signed.map {
            $0.name == "X-Puntos-Signature" ? ($0.name, $0.value.uppercased().replacing("V1=", with: "v1=")) : $0
        }
        let replayed = try runtime.send("POST", target, body: body, headers: reencoded)
        #expect(replayed.status == 401 && String(decoding: replayed.body, as: UTF8.self).contains("replayed_request"))
        let byPOS = try runtime.send(
            "POST", target, body: body, headers: LocalRuntime.signature(method: "POST", target: target, body: body))
        #expect(byPOS.status == 422 && String(decoding: byPOS.body, as: UTF8.self).contains("not_payout_provider"))
        #expect(try f.count("ledger_entries") == count)
        try f.checkInvariants()
    }

    /// Eight copies of the provider's callback at once: every one answers `succeeded`, the hold is
    /// spent once.
    @Test func concurrentCallbacksSpendTheHoldOnce() throws {
        let f = try rebase()
        let card = try member(f)
        let number = try #require(try payout(f, card, points: 60).payout?.payoutId)
        _ = try f.redeem(#"{"kind":"approve_payout","payout_id":"\#(number)"}"#)
        let answers = LockedResults()
        let threads = (0..<8).map { _ in
            Thread {
                do {
                    let database = try TestDatabase.make()
                    defer { database.close() }
                    var context = FunctionContext.make(database: database, logger: TestDatabase.logger)
                    context.caller = "payouts"
                    let body =
                        #"{"kind":"payout_result","payout_id":"\#(number)","status":"succeeded","provider_reference":"prv-1"}"#
                    let result = try Redeem().handle(
                        try EventDecoding.decode(RedeemEvent.self, from: f.json(body)), context: context)
                    answers.add(result.status == "succeeded" && result.balance.held == 0 ? 1 : -1)
                } catch {
                    answers.add(-1)
                }
            }
        }
        threads.forEach { $0.start() }
        while answers.count < 8 { usleep(10_000) }
        #expect(answers.values == Array(repeating: 1, count: 8))
        #expect(try entries(f, number) == ["hold:-60:60 -60 -", "redemption:0:-60 prv-1"])
        #expect(try f.balance(of: card).available == 240)
        try f.checkInvariants()
    }
}
