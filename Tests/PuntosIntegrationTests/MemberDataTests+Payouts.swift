import Foundation
import PuntosCore
import PuntosData
import PuntosDelivery
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// A member's payouts in an erasure: one in flight (awaiting moderation, the provider or its callback)
/// refuses the erasure; settled ones lose their destination, the provider's token for the member's card,
/// everywhere, while their amounts and the ledger stay.
extension MemberDataTests {
    @Test func anErasureWaitsForAPayoutInFlightThenLeavesNoDestinationBehind() throws {
        let m = try Member()
        let f = m.f
        let customer = try Member.customerId(f, m.externalId)
        let provider = try FixtureServer.payoutProvider(secret: PayoutTests.secret)
        defer { provider.stop() }
        let tag = UUID().uuidString.prefix(8)
        let (paidTo, failedTo, waitingTo) = ("tok_paid_\(tag)", "tok_fail_\(tag)", "tok_wait_\(tag)")
        func request(_ points: Int, _ destination: String) throws -> String {
            try #require(
                try f.redeem(
                    #"{"kind":"payout","idempotency_key":"po-\#(destination)","card_number":"\#(m.memberCard)","points":\#(points),"destination":"\#(destination)"}"#
                ).payout?.payoutId)
        }
        func approve(_ number: String, _ destination: String) throws {
            _ = try f.redeem(
                #"{"kind":"approve_payout","idempotency_key":"ok-\#(number)","payout_id":"\#(number)","reason":"\#(destination) checked"}"#
            )
        }
        /// The provider's callback, its reason quoting the destination as a provider's may.
        func settle(_ number: String, _ status: String, _ destination: String) throws {
            var context = f.context()
            context.caller = "payouts"
            let body =
                #"{"kind":"payout_result","payout_id":"\#(number)","status":"\#(status)","provider_reference":"prv-\#(number)","reason":"card \#(destination) \#(status)"}"#
            _ = try Redeem().handle(try EventDecoding.decode(RedeemEvent.self, from: f.json(body)), context: context)
        }
        func refusal() -> FunctionError? { f.failure { try m.call(#"{"kind":"erase","customer_id":\#(customer)}"#) } }

        // Two payouts sent to the provider and settled: one paid, one failed.
        let paid = try request(50, paidTo)
        let failed = try request(30, failedTo)
        try approve(paid, paidTo)
        try approve(failed, failedTo)
        #expect(try PayoutTests().deliver(f, provider: provider, mode: "succeed").sent == 2)
        try settle(paid, "succeeded", paidTo)
        try settle(failed, "failed", failedTo)
        // A reason quoting the token is kept masked in the append-only records (ledger, payout events).
        let before = try Self.occurrences(of: [paidTo, failedTo])
        #expect(!before.isEmpty)
        #expect(!before.contains { $0.hasPrefix("ledger_entries.") || $0.hasPrefix("payout_events.") }, "\(before)")

        // A third, in flight at each step: the erasure is refused naming it, and changes nothing.
        let waiting = try request(40, waitingTo)
        for step in ["requested", "approved", "sent"] {
            if step == "approved" { try approve(waiting, waitingTo) }
            if step == "sent" { #expect(try PayoutTests().deliver(f, provider: provider, mode: "succeed").sent == 1) }
            let snapshot = try tables(f, customer)
            let refused = refusal()
            #expect(refused?.code == .payoutInFlight, "\(step)")
            #expect(refused?.httpStatus == 409 && refused?.exitCode == 69)
            #expect(refused?.field == "customer_id")
            #expect(refused?.message.contains("\(waiting) (\(step))") == true, "\(refused?.message ?? "")")
            #expect(try tables(f, customer) == snapshot, "\(step)")
        }
        try settle(waiting, "succeeded", waitingTo)

        // Settled: the erasure goes through, the ledger and every sum as they were.
        let personal = m.personal + [paidTo, failedTo, waitingTo]
        let ledgerBefore = try ledger(f)
        let liabilityBefore = try f.balance(#"{"kind":"liability"}"#).liability
        let balanceBefore = try f.balance(of: m.memberCard)
        let payoutsBefore = try payouts(f)
        let erased = try #require(try m.call(#"{"kind":"erase","customer_id":\#(customer),"reason":"asked"}"#).erasure)
        #expect(erased.payoutsScrubbed == 3)
        #expect(try Self.occurrences(of: personal) == [])
        #expect(try ledger(f) == ledgerBefore)
        #expect(try f.balance(#"{"kind":"liability"}"#).liability?.totals == liabilityBefore?.totals)
        #expect(try f.balance(of: m.memberCard) == balanceBefore)
        try f.checkInvariants()
        // Each payout keeps its amount, state and provider reference; its destination is the tombstone,
        // in the payout and in the request the provider was sent.
        #expect(try payouts(f) == payoutsBefore)
        let tombstoned = try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT p.number || ' ' || p.destination || ' ' || (r.body::jsonb ->> 'destination') AS line
                FROM payouts p JOIN payout_requests r ON r.payout_id = p.id
                WHERE p.customer_id = \(customer) ORDER BY p.id
                """
            ).map { try $0.decode("line", as: String.self) }
        }
        #expect(tombstoned == [paid, failed, waiting].map { "\($0) erased:\($0) erased:\($0)" })

        // Again: the first answer, nothing changed; the log holds one erasure with its summary.
        let after = try tables(f, customer)
        #expect(try m.call(#"{"kind":"erase","card_number":"\#(m.memberCard)"}"#).erasure == erased)
        #expect(try tables(f, customer) == after)
        try f.database.withConnection { connection in
            let row = try connection.query(
                """
                SELECT count(*) AS n, max((summary ->> 'payouts_scrubbed')::int) AS scrubbed, max(reason) AS reason
                FROM member_erasures WHERE customer_id = \(customer)
                """
            ).one()
            #expect(try row.decode("n", as: Int.self) == 1)
            #expect(try row.decode("scrubbed", as: Int.self) == 3)
            #expect(try row.decode("reason", as: String.self) == "asked")
        }
    }

    /// The programme's payouts as `number|points|amount|currency|status|provider reference|request status`.
    func payouts(_ f: LedgerFixture) throws -> [String] {
        try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT concat_ws('|', p.number, p.points, p.amount, p.currency, p.status, p.provider_reference, r.status) AS line
                FROM payouts p LEFT JOIN payout_requests r ON r.payout_id = p.id
                WHERE p.programme_id = \(f.programme) ORDER BY p.id
                """
            ).map { try $0.decode("line") }
        }
    }
}
