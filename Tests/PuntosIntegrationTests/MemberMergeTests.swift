import Foundation
import PuntosAlerts
import PuntosCards
import PuntosCore
import PuntosData
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// `member-data` kind `merge`: two records of one person made one without losing a point.
@Suite struct MemberMergeTests {
    static let alerts = AlertsConfiguration(signingSecret: "member-merge-tests", publicURL: "https://shop.example")

    /// A customer's account, bucket by bucket.
    struct Buckets: Equatable {
        var available: Int64 = 0
        var pending: Int64 = 0
        var held: Int64 = 0
        var total: Int64 { available + pending + held }
    }

    /// A lot as a merge must keep it.
    struct Lot: Equatable {
        let id: Int64
        let remaining: Int64
        let active: Bool
        let activatesAt: Date
        let expiresAt: Date?
    }

    // MARK: Helpers

    func merge(_ f: LedgerFixture, _ body: String, now: Date = Date()) throws -> MergeSummary {
        try MemberData().handle(try EventDecoding.decode(MemberDataEvent.self, from: f.json(body)), context: f.context(now))
            .merge!
    }

    func export(_ f: LedgerFixture, _ body: String) throws -> [String: JSONValue] {
        guard
            case .object(let document) = try MemberData().handle(
                try EventDecoding.decode(MemberDataEvent.self, from: f.json(body)), context: f.context()
            ).member
        else { throw FunctionError.bug("no member document") }
        return document
    }

    /// A web account issued with an external id, e-mail and phone, its agreement accepted; its card.
    func webAccount(_ f: LedgerFixture, tag: String) throws -> (card: String, external: String, email: String) {
        let external = "WEB-\(tag)"
        let email = "web.\(tag)@example.com"
        let digits = String((0..<9).map { _ in "0123456789".randomElement()! })
        let issued = try RegisterCard().handle(
            try EventDecoding.decode(
                RegisterCardEvent.self,
                from: f.json(
                    #"{"kind":"issue","customer":{"external_id":"\#(external)","email":"\#(email)","phone":"+19\#(digits)"}}"#)),
            context: f.context())
        let at = Timestamp.format(Date().addingTimeInterval(-30 * 86_400))
        _ = try RegisterCard().handle(
            try EventDecoding.decode(
                RegisterCardEvent.self,
                from: f.json(
                    #"{"kind":"accept_agreement","card_number":"\#(issued.card.number)","version":"v1","accepted_at":"\#(at)"}"#)),
            context: f.context())
        return (issued.card.number, external, email)
    }

    func customer(_ f: LedgerFixture, card: String) throws -> Int64 {
        try f.database.withConnection {
            try $0.query("SELECT customer_id FROM cards WHERE number = \(card)").one().decode("customer_id")
        }
    }

    func externalId(_ f: LedgerFixture, customer: Int64) throws -> String {
        try f.database.withConnection {
            try $0.query("SELECT external_id FROM customers WHERE id = \(customer)").one().decode("external_id")
        }
    }

    func buckets(_ f: LedgerFixture, _ customer: Int64) throws -> Buckets {
        try f.database.withConnection { connection in
            guard
                let row = try connection.query("SELECT available, pending, held FROM accounts WHERE customer_id = \(customer)")
                    .first
            else { return Buckets() }
            return Buckets(
                available: try row.decode("available"), pending: try row.decode("pending"), held: try row.decode("held"))
        }
    }

    func lots(_ f: LedgerFixture, _ customer: Int64) throws -> [Lot] {
        try f.database.withConnection { connection in
            try connection.query(
                "SELECT id, remaining, active, activates_at, expires_at FROM lots WHERE customer_id = \(customer) ORDER BY id"
            ).map {
                Lot(
                    id: try $0.decode("id"), remaining: try $0.decode("remaining"), active: try $0.decode("active"),
                    activatesAt: try $0.decode("activates_at"), expiresAt: try $0.decodeIfPresent("expires_at"))
            }
        }
    }

    /// Every entry of the programme as text, in id order: a merge must leave each one as it was.
    func entries(_ f: LedgerFixture) throws -> [String] {
        try f.database.withConnection { connection in
            try connection.query(
                "SELECT to_jsonb(e)::text AS row FROM ledger_entries e WHERE programme_id = \(f.programme) ORDER BY id"
            ).map { try $0.decode("row") }
        }
    }

    /// Every lot draw of the programme as text: appended to, never changed.
    func draws(_ f: LedgerFixture) throws -> [String] {
        try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT d.entry_id::text || ':' || d.lot_id::text || ':' || d.points::text AS row
                FROM lot_draws d JOIN ledger_entries e ON e.id = d.entry_id WHERE e.programme_id = \(f.programme)
                ORDER BY d.entry_id, d.lot_id
                """
            ).map { try $0.decode("row") }
        }
    }

    func sumOfEntries(_ f: LedgerFixture, _ customer: Int64) throws -> Buckets {
        try f.database.withConnection { connection in
            let row = try connection.query(
                """
                SELECT coalesce(sum(available_delta), 0) AS a, coalesce(sum(pending_delta), 0) AS p, coalesce(sum(held_delta), 0) AS h
                FROM ledger_entries WHERE customer_id = \(customer)
                """
            ).one()
            return Buckets(available: try row.decode("a"), pending: try row.decode("p"), held: try row.decode("h"))
        }
    }

    func subscribe(_ f: LedgerFixture, card: String, sku: String) throws {
        let body =
            #"{"programme":"\#(f.programme)","kind":"stock","subscriber":{"card_number":"\#(card)"},"store":"web","sku":"\#(sku)","product_name":"Mug"}"#
        _ = try Subscribe(configuration: Self.alerts).handle(
            try EventDecoding.decode(SubscribeEvent.self, from: Data(body.utf8)), context: f.context())
    }

    /// The whole statement of a card, every page.
    func statement(_ f: LedgerFixture, card: String) throws -> [StatementEntry] {
        var all: [StatementEntry] = []
        var cursor: String?
        repeat {
            let cursorField = cursor.map { #","cursor":"\#($0)""# } ?? ""
            let page = try f.balance(#"{"kind":"statement","card_number":"\#(card)","limit":200\#(cursorField)}"#)
            all += page.entries ?? []
            cursor = page.nextCursor
        } while cursor != nil
        return all
    }

    /// One random step of a history on `card`: invoices (some still pending), holds, commits, releases,
    /// returns, direct redemptions, and time passing with the sweep (activations, expiries, holds timed out).
    func randomStep(
        _ f: LedgerFixture, card: String, step: Int, now: inout Date, invoices: inout [String], vouchers: inout [String],
        rng: inout SeededGenerator
    ) throws {
        do {
            switch Int.random(in: 0..<9, using: &rng) {
            case 0, 1, 2:
                let number = "INV-\(step)"
                _ = try f.accrue(
                    invoice(card, number, amount: "\(Int.random(in: 20...400, using: &rng)).00", order: "O-\(step)", date: now),
                    now: now)
                invoices.append(number)
            case 3:
                let hold = try f.redeem(
                    #"{"kind":"hold","card_number":"\#(card)","order_number":"H-\#(step)","order_amount":1000,"points":\#(Int.random(in: 10...120, using: &rng)),"minutes":\#(Int.random(in: 60...6000, using: &rng))}"#,
                    now: now)
                vouchers.append(hold.voucherNumber)
            case 4 where !vouchers.isEmpty:
                _ = try f.redeem(
                    #"{"kind":"commit","voucher_number":"\#(vouchers.randomElement(using: &rng)!)","order_amount":\#(Int.random(in: 20...1000, using: &rng))}"#,
                    now: now)
            case 5 where !vouchers.isEmpty:
                _ = try f.redeem(#"{"kind":"release","voucher_number":"\#(vouchers.randomElement(using: &rng)!)"}"#, now: now)
            case 6 where !invoices.isEmpty:
                _ = try f.accrue(
                    #"{"kind":"return","return_number":"RT-\#(step)","invoice_number":"\#(invoices.randomElement(using: &rng)!)","lines":[{"line":0,"quantity":1}]}"#,
                    now: now)
            case 7:
                _ = try f.redeem(
                    #"{"kind":"redeem","card_number":"\#(card)","order_number":"D-\#(step)","order_amount":1000,"points":\#(Int.random(in: 10...100, using: &rng))}"#,
                    now: now)
            default:
                now = now.addingTimeInterval(Double(Int.random(in: 1...4, using: &rng)) * 86_400)
                _ = try f.expire(now: now)
            }
        } catch let error as FunctionError where error.kind != .bug && error.kind != .temporary {
            // Refusals (insufficient points, a hold already resolved, a line returned twice) are part of the game.
        }
    }

    // MARK: Random histories

    /// Two random histories (a printed card at the till, a web account) merge; every invariant holds
    /// after the merge, and after more random steps on both cards that land on the survivor.
    @Test(arguments: [UInt64(11), 12, 13])
    func twoRandomHistoriesMergeWithoutLosingAPoint(seed: UInt64) throws {
        var rng = SeededGenerator(state: seed)
        var settings = LedgerFixture.Settings()
        settings.pendingDays = 3
        settings.expiry = "rolling"
        settings.expiryDays = 12
        settings.minRedemption = 10
        let f = try LedgerFixture(settings)
        let till = try f.card(agreementDaysAgo: 1)
        let web = try webAccount(f, tag: "r\(seed)-\(UUID().uuidString.prefix(6).lowercased())")
        let bystander = try f.card(agreementDaysAgo: 1)
        let (absorbed, survivor) = (try customer(f, card: till), try customer(f, card: web.card))
        try subscribe(f, card: till, sku: "MUG-1")
        try subscribe(f, card: till, sku: "CUP-1")
        try subscribe(f, card: web.card, sku: "MUG-1")  // the same alert on both: one is removed
        var now = Date()
        var invoices: [String] = []
        var vouchers: [String] = []
        for step in 0..<36 {
            let card = [till, web.card, till, web.card, bystander].randomElement(using: &rng)!
            try randomStep(f, card: card, step: step, now: &now, invoices: &invoices, vouchers: &vouchers, rng: &rng)
        }
        // A pending lot and an open hold on the till card for certain.
        _ = try f.accrue(invoice(till, "INV-PENDING", amount: "250.00", order: "O-PENDING", date: now), now: now)
        invoices.append("INV-PENDING")
        if let hold = try? f.redeem(
            #"{"kind":"hold","card_number":"\#(till)","order_number":"H-OPEN","order_amount":1000,"points":10,"minutes":600}"#,
            now: now)
        {
            vouchers.append(hold.voucherNumber)
        }
        try f.checkInvariants()

        let before = (absorbed: try buckets(f, absorbed), survivor: try buckets(f, survivor))
        let bystanderBefore = try buckets(f, try customer(f, card: bystander))
        let absorbedLots = try lots(f, absorbed)
        let survivorLots = try lots(f, survivor)
        let entriesBefore = try entries(f)
        let drawsBefore = try draws(f)
        let openHolds: Int = try f.database.withConnection {
            try $0.query("SELECT count(*) AS n FROM holds WHERE customer_id = \(absorbed) AND status = 'open'").one().decode("n")
        }
        #expect(before.absorbed.pending > 0)

        let body =
            #"{"kind":"merge","absorbed":{"card_number":"\#(till)"},"survivor":{"email":"\#(web.email)"},"reason":"same person"}"#
        let summary = try merge(f, body, now: now)

        // The points: the sum of both balances is kept, bucket by bucket; the absorbed ends at zero.
        let after = (absorbed: try buckets(f, absorbed), survivor: try buckets(f, survivor))
        #expect(after.absorbed == Buckets())
        #expect(after.survivor.available == before.absorbed.available + before.survivor.available)
        #expect(after.survivor.pending == before.absorbed.pending + before.survivor.pending)
        #expect(after.survivor.held == before.absorbed.held + before.survivor.held)
        #expect(try buckets(f, try customer(f, card: bystander)) == bystanderBefore)
        #expect(
            Buckets(available: summary.available, pending: summary.pending, held: summary.held)
                == Buckets(available: before.absorbed.available, pending: before.absorbed.pending, held: before.absorbed.held))
        // A balance is the sum of its entries, and every other invariant of the ledger holds.
        #expect(try sumOfEntries(f, absorbed) == after.absorbed)
        #expect(try sumOfEntries(f, survivor) == after.survivor)
        try f.checkInvariants(notices: false)
        // Each lot keeps its id, points left, expiry, activation and pending or active state.
        #expect(try lots(f, absorbed).isEmpty)
        #expect(try lots(f, survivor) == (absorbedLots + survivorLots).sorted { $0.id < $1.id })
        #expect(summary.lotsMoved == absorbedLots.filter { $0.remaining > 0 }.count)
        #expect(summary.holdsMoved == openHolds)
        // No entry or draw was changed or removed: the merge only appended.
        let entriesAfter = try entries(f)
        #expect(Array(entriesAfter.prefix(entriesBefore.count)) == entriesBefore)
        #expect(entriesAfter.count == entriesBefore.count + 2 * (summary.lotsMoved + summary.holdsMoved))
        #expect(Array(try draws(f).prefix(drawsBefore.count)) == drawsBefore)
        // Cards and subscriptions followed.
        #expect(try customer(f, card: till) == survivor)
        #expect(summary.cardReplaced == till)
        #expect(summary.subscriptionsMoved == 2)
        #expect(summary.subscriptionsRemoved == 1)
        let liveSubscriptions: Int = try f.database.withConnection {
            try $0.query(
                "SELECT count(*) AS n FROM alert_subscriptions WHERE customer_id = \(survivor) AND status IN ('pending', 'active')"
            ).one().decode("n")
        }
        #expect(liveSubscriptions == 2)
        // The statement shows both histories and still adds up to the balance.
        let lines = try statement(f, card: web.card)
        #expect(lines.contains { $0.mergedFrom == absorbed && $0.kind == "merged_out" })
        #expect(lines.contains { $0.mergedFrom == nil && $0.kind == "merged_in" })
        #expect(lines.reduce(Int64(0)) { $0 + $1.points } == after.survivor.total)
        #expect(lines.count == entriesAfter.count - (try entriesOf(f, bystander)))
        // A replay changes nothing and answers the same.
        #expect(try merge(f, body, now: now) == summary)
        #expect(try entries(f) == entriesAfter)

        // Later events on the till card, the absorbed's invoices and vouchers all land on the survivor.
        for step in 100..<124 {
            let card = [till, web.card].randomElement(using: &rng)!
            try randomStep(f, card: card, step: step, now: &now, invoices: &invoices, vouchers: &vouchers, rng: &rng)
            #expect(try buckets(f, absorbed) == Buckets(), "step \(step) wrote to the absorbed account")
            try f.checkInvariants(notices: false)
        }
        #expect(try sumOfEntries(f, survivor) == (try buckets(f, survivor)))
    }

    /// How many entries are on a card's customer's own account.
    func entriesOf(_ f: LedgerFixture, _ card: String) throws -> Int {
        try f.database.withConnection {
            try $0.query(
                "SELECT count(*) AS n FROM ledger_entries WHERE customer_id = (SELECT customer_id FROM cards WHERE number = \(card))"
            ).one().decode("n")
        }
    }

    // MARK: Identifiers after a merge

    /// The till card, the absorbed's external id and its vouchers act on the survivor; a replay of the
    /// absorbed's invoice moves nothing; the export of the survivor has both histories.
    @Test func theAbsorbedIdentifiersResolveToTheSurvivor() throws {
        var settings = LedgerFixture.Settings()
        settings.pendingDays = 5
        let f = try LedgerFixture(settings)
        let web = try webAccount(f, tag: UUID().uuidString.prefix(8).lowercased())
        let till = try f.card(agreementDaysAgo: 30)
        let (absorbed, survivor) = (try customer(f, card: till), try customer(f, card: web.card))
        let tillExternal = try externalId(f, customer: absorbed)
        let earlier = Date().addingTimeInterval(-10 * 86_400)
        let tillInvoice = invoice(till, "TILL-1", amount: "300.00", order: "TO-1", date: earlier)
        _ = try f.accrue(tillInvoice)  // 300, active (its window closed)
        _ = try f.accrue(invoice(till, "TILL-2", amount: "80.00", order: "TO-2"))  // 80 pending
        _ = try f.accrue(invoice(web.card, "WEB-1", amount: "100.00", order: "WO-1", date: earlier))  // 100 active
        let hold = try f.redeem(#"{"kind":"hold","card_number":"\#(till)","order_number":"TH-1","order_amount":500,"points":50}"#)
        let entriesBefore = try f.count("ledger_entries")

        let summary = try merge(
            f, #"{"kind":"merge","absorbed":{"customer_id":\#(absorbed)},"survivor":{"card_number":"\#(web.card)"}}"#)
        #expect(summary.available == 250)
        #expect(summary.pending == 80)
        #expect(summary.held == 50)
        #expect(summary.holdsMoved == 1)
        #expect(summary.cardsMoved == [till])
        #expect(summary.invoicesMoved == 2)
        #expect(summary.agreementsCopied == 0)  // the survivor had accepted v1 already
        #expect(try f.balance(of: web.card) == (try f.balance(of: till)))
        #expect(try f.balance(of: till).cardNumber == web.card)
        #expect(try buckets(f, survivor) == Buckets(available: 350, pending: 80, held: 50))

        // A repeat by any identifier the absorbed had answers the same and writes nothing.
        for absorbedSide in [
            #"{"customer_id":\#(absorbed)}"#, #"{"card_number":"\#(till)"}"#, #"{"external_id":"\#(tillExternal)"}"#,
        ] {
            #expect(
                try merge(f, #"{"kind":"merge","absorbed":\#(absorbedSide),"survivor":{"external_id":"\#(web.external)"}}"#)
                    == summary)
        }
        #expect(try f.count("ledger_entries") == entriesBefore + 2 * 3)
        // A replay of the absorbed's invoice answers its first answer and credits nobody.
        _ = try f.accrue(tillInvoice)
        #expect(try f.count("ledger_entries") == entriesBefore + 6)

        // The till card earns for the survivor; its external id redeems from the survivor.
        let earned = try f.accrue(invoice(till, "TILL-3", amount: "40.00", order: "TO-3", date: earlier))
        #expect(earned.balance.cardNumber == web.card)
        #expect(try buckets(f, survivor).available == 390)
        let spent = try f.redeem(
            #"{"kind":"redeem","external_id":"\#(tillExternal)","order_number":"TR-1","order_amount":500,"points":90}"#)
        #expect(spent.balance.available == 300)
        #expect(try f.balance(#"{"kind":"balance","external_id":"\#(tillExternal)"}"#).balance?.cardNumber == web.card)
        // The absorbed's open hold commits on the survivor; its invoice returns from the survivor.
        let committed = try f.redeem(#"{"kind":"commit","voucher_number":"\#(hold.voucherNumber)","order_amount":500}"#)
        #expect(committed.balance.held == 0)
        _ = try f.accrue(
            #"{"kind":"return","return_number":"TRT-2","invoice_number":"TILL-2","lines":[{"line":0,"quantity":1}]}"#)
        #expect(try buckets(f, survivor).pending == 0)
        _ = try f.accrue(#"{"kind":"cancel","order_number":"TR-1"}"#)
        #expect(try buckets(f, survivor).available == 390)
        #expect(try buckets(f, absorbed) == Buckets())
        try f.checkInvariants(notices: false)

        // The export, by the survivor or by an absorbed identifier, has both histories.
        for lookup in [#""email":"\#(web.email)""#, #""external_id":"\#(tillExternal)""#] {
            let document = try export(f, #"{"kind":"export",\#(lookup)}"#)
            guard case .object(let customerRow) = document["customer"], case .array(let entries) = document["ledger_entries"],
                case .array(let merged) = document["merged_customers"], case .array(let merges) = document["merges"]
            else {
                Issue.record("the document lacks customer, ledger_entries, merged_customers or merges")
                continue
            }
            #expect(customerRow["id"] == .number(Decimal(survivor)))
            let owners = entries.compactMap { entry -> JSONValue? in
                if case .object(let row) = entry { row["customer_id"] } else { nil }
            }
            #expect(owners.contains(.number(Decimal(absorbed))))
            #expect(owners.contains(.number(Decimal(survivor))))
            #expect(merged.count == 1)
            #expect(merges.count == 1)
        }
    }

    // MARK: A checkout during the merge

    /// An invoice on the till card that found the absorbed customer before the merge committed, and
    /// waited for its account, runs again after the merge (its entry is refused with 40001 on the absorbed
    /// account) and credits the survivor.
    @Test func anInvoiceWaitingOnTheMergeLandsOnTheSurvivor() throws {
        let f = try LedgerFixture()
        let till = try f.card()
        let web = try f.card()
        _ = try f.accrue(invoice(till, "RACE-0", amount: "100.00"))
        _ = try f.accrue(invoice(web, "RACE-00", amount: "10.00"))
        let (absorbed, survivor) = (try customer(f, card: till), try customer(f, card: web))
        let results = LockedResults()
        let merge = try EventDecoding.decode(
            MemberDataEvent.self,
            from: f.json(#"{"kind":"merge","absorbed":{"card_number":"\#(till)"},"survivor":{"card_number":"\#(web)"}}"#))
        let accrual = try EventDecoding.decode(AccrueEvent.self, from: f.json(invoice(till, "RACE-1", amount: "50.00")))
        /// The backend a session blocked by `pid` runs in, once there is one (10 s at most).
        func waiter(blockedBy pid: Int32) throws -> Int32? {
            for _ in 0..<1000 {
                let rows = try f.database.withConnection {
                    try $0.query("SELECT pid FROM pg_stat_activity WHERE \(Int64(pid))::int = ANY (pg_blocking_pids(pid))")
                }
                if let row = rows.first { return try row.decode("pid") }
                usleep(10_000)
            }
            return nil
        }
        let blocker = try TestDatabase.make()
        try blocker.withTransaction { connection in
            // The survivor's account held: the merge locks the absorbed's account, then waits here.
            let pid: Int32 = try connection.query("SELECT pg_backend_pid() AS pid").one().decode("pid")
            try connection.query("SELECT customer_id FROM accounts WHERE customer_id = \(survivor) FOR UPDATE")
            Thread {
                do {
                    let context = FunctionContext.make(
                        database: try TestDatabase.make(), logger: TestDatabase.logger, now: Date())
                    _ = try MemberData().handle(merge, context: context)
                    results.add(1)
                } catch { results.add(-1) }
            }.start()
            let merging = try #require(try waiter(blockedBy: pid))
            Thread {
                do {
                    let context = FunctionContext.make(
                        database: try TestDatabase.make(), logger: TestDatabase.logger, now: Date())
                    _ = try Accrue().handle(accrual, context: context)
                    results.add(2)
                } catch { results.add(-2) }
            }.start()
            #expect(try waiter(blockedBy: merging) != nil)
        }
        for _ in 0..<1000 where results.count < 2 { usleep(10_000) }
        #expect(results.values.sorted() == [1, 2])
        #expect(try buckets(f, absorbed) == Buckets())
        #expect(try buckets(f, survivor) == Buckets(available: 160))
        try f.checkInvariants(notices: false)
    }

    // MARK: Refusals

    @Test func refusalsNameTheSideAndChangeNothing() throws {
        var settings = LedgerFixture.Settings()
        settings.allowNegative = true
        let f = try LedgerFixture(settings)
        let other = try LedgerFixture()
        let a = try f.card()
        let b = try f.card()
        let c = try f.card()
        let elsewhere = try other.card()
        _ = try f.accrue(invoice(a, "A-1", amount: "100.00"))
        _ = try f.accrue(invoice(b, "B-1", amount: "100.00"))
        let (ida, idb, idc) = (try customer(f, card: a), try customer(f, card: b), try customer(f, card: c))
        let entries = try f.count("ledger_entries")
        func refusal(_ body: String) -> FunctionError? { f.failure { try merge(f, body) } }

        let itself = refusal(#"{"kind":"merge","absorbed":{"card_number":"\#(a)"},"survivor":{"customer_id":\#(ida)}}"#)
        #expect(itself?.kind == .conflict)
        #expect(itself?.code == .mergeIntoItself)
        #expect(itself?.field == "survivor.customer_id")

        let across = refusal(#"{"kind":"merge","absorbed":{"card_number":"\#(elsewhere)"},"survivor":{"card_number":"\#(b)"}}"#)
        #expect(across?.code == .mergeAcrossProgrammes)
        #expect(across?.field == "absorbed.card_number")
        let acrossId = refusal(
            #"{"kind":"merge","absorbed":{"card_number":"\#(a)"},"survivor":{"customer_id":\#(try customer(other, card: elsewhere))}}"#
        )
        #expect(acrossId?.code == .mergeAcrossProgrammes)
        #expect(acrossId?.field == "survivor.customer_id")

        _ = try MemberData().handle(
            try EventDecoding.decode(MemberDataEvent.self, from: f.json(#"{"kind":"erase","customer_id":\#(idc)}"#)),
            context: f.context())
        let erased = refusal(#"{"kind":"merge","absorbed":{"card_number":"\#(a)"},"survivor":{"customer_id":\#(idc)}}"#)
        #expect(erased?.code == .memberErased)
        #expect(erased?.field == "survivor.customer_id")
        let erasedAbsorbed = refusal(#"{"kind":"merge","absorbed":{"customer_id":\#(idc)},"survivor":{"card_number":"\#(a)"}}"#)
        #expect(erasedAbsorbed?.code == .memberErased)
        #expect(erasedAbsorbed?.field == "absorbed.customer_id")

        // A debt cannot move: spend, then return the invoice the points came from.
        _ = try f.redeem(#"{"kind":"redeem","card_number":"\#(a)","order_number":"R-A","order_amount":500,"points":80}"#)
        _ = try f.accrue(#"{"kind":"return","return_number":"RT-A","invoice_number":"A-1","lines":[{"line":0,"quantity":1}]}"#)
        #expect(try buckets(f, ida).available < 0)
        let negative = refusal(#"{"kind":"merge","absorbed":{"card_number":"\#(a)"},"survivor":{"card_number":"\#(b)"}}"#)
        #expect(negative?.code == .memberBalanceNegative)
        #expect(negative?.field == "absorbed.card_number")
        let entriesNow = try f.count("ledger_entries")
        #expect(entriesNow == entries + 2)
        #expect(try customer(f, card: a) == ida)

        // Merged once: the absorbed cannot go elsewhere, nor can anyone merge into it.
        let d = try f.card()
        let idd = try customer(f, card: d)
        _ = try merge(f, #"{"kind":"merge","absorbed":{"customer_id":\#(idd)},"survivor":{"customer_id":\#(idb)}}"#)
        let elsewhereAgain = refusal(#"{"kind":"merge","absorbed":{"customer_id":\#(idd)},"survivor":{"card_number":"\#(a)"}}"#)
        #expect(elsewhereAgain?.code == .memberMerged)
        #expect(elsewhereAgain?.field == "absorbed.customer_id")
        let intoAbsorbed = refusal(#"{"kind":"merge","absorbed":{"card_number":"\#(a)"},"survivor":{"customer_id":\#(idd)}}"#)
        #expect(intoAbsorbed?.code == .memberMerged)
        #expect(intoAbsorbed?.field == "survivor.customer_id")
        let unknown = refusal(#"{"kind":"merge","absorbed":{"email":"nobody@example.com"},"survivor":{"card_number":"\#(b)"}}"#)
        #expect(unknown?.kind == .notFound)
        #expect(unknown?.field == "absorbed.email")
        #expect(try customer(f, card: a) == ida)
        #expect(try f.count("ledger_entries") == entriesNow)
    }

    /// Forged or malformed merges: 65, the field named, nothing written.
    @Test func badInputNamesTheField() throws {
        let f = try LedgerFixture()
        let a = try f.card()
        let b = try f.card()
        let cases: [(String, String)] = [
            (#"{"kind":"merge","survivor":{"card_number":"\#(b)"}}"#, "absorbed"),
            (#"{"kind":"merge","absorbed":{"card_number":"\#(a)"}}"#, "survivor"),
            (
                #"{"kind":"merge","absorbed":{"card_number":"\#(a)","customer_id":1},"survivor":{"card_number":"\#(b)"}}"#,
                "absorbed"
            ),
            (#"{"kind":"merge","absorbed":{},"survivor":{"card_number":"\#(b)"}}"#, "absorbed"),
            (
                #"{"kind":"merge","absorbed":{"card_number":"1234567890123"},"survivor":{"card_number":"\#(b)"}}"#,
                "absorbed.card_number"
            ),
            (#"{"kind":"merge","absorbed":{"card_number":"\#(a)"},"survivor":{"customer_id":0}}"#, "survivor.customer_id"),
            (#"{"kind":"merge","absorbed":{"card_number":"\#(a)"},"survivor":{"customer_id":"7"}}"#, "survivor.customer_id"),
            (#"{"kind":"merge","absorbed":{"card_number":"\#(a)"},"survivor":{"email":"not-an-address"}}"#, "survivor.email"),
            (
                #"{"kind":"merge","absorbed":{"card_number":"\#(a)","owner":"x"},"survivor":{"card_number":"\#(b)"}}"#,
                "absorbed.owner"
            ),
            (#"{"kind":"merge","absorbed":{"card_number":"\#(a)"},"survivor":{"card_number":"\#(b)"},"force":true}"#, "force"),
            (
                #"{"kind":"merge","absorbed":{"card_number":"\#(a)"},"survivor":{"card_number":"\#(b)"},"reason":"\#(String(repeating: "x", count: 501))"}"#,
                "reason"
            ),
            (#"{"kind":"merge","absorbed":"\#(a)","survivor":{"card_number":"\#(b)"}}"#, "absorbed"),
            (#"{"kind":"export","card_number":"\#(a)","absorbed":{"card_number":"\#(b)"}}"#, "absorbed"),
        ]
        for (body, field) in cases {
            let error = f.failure { try merge(f, body) }
            #expect(error?.kind == .badInput, "\(body): \(String(describing: error))")
            #expect(error?.field == field, "\(body): \(String(describing: error))")
        }
        #expect(try customer(f, card: a) != (try customer(f, card: b)))
        let merges: Int = try f.database.withConnection {
            try $0.query("SELECT count(*) AS n FROM member_merges WHERE programme_id = \(f.programme)").one().decode("n")
        }
        #expect(merges == 0)
    }
}
