import Foundation
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Synchronization
import Testing

/// A queue batch commits once, with a savepoint per message: a failing message rolls back alone and
/// is named in `batchItemFailures`; the others commit together; a replayed batch changes nothing.
@Suite struct QueueBatchTransactionTests {
    /// Rows this test wrote into the probe table, as another connection sees them.
    private func committed(_ tag: String, _ observer: Database) throws -> [Int] {
        try observer.withConnection { connection in
            try connection.query("SELECT n FROM puntos_test_batch_probe WHERE tag = \(tag) ORDER BY n").rows.map {
                try $0.decode("n", as: Int.self)
            }
        }
    }

    @Test func aBatchCommitsOnceAndAFailingItemRollsBackAlone() throws {
        // As the superuser: the probe table is the test's own, not the application's.
        let database = try TestDatabase.admin()
        let observer = try TestDatabase.admin()
        try database.withConnection {
            try $0.runScript("CREATE TABLE IF NOT EXISTS puntos_test_batch_probe (tag text NOT NULL, n integer NOT NULL)")
        }
        let tag = TestDatabase.unique("B")
        struct Refused: Error {}
        var seenBeforeCommit: [Int]?
        try database.withBatch {
            #expect(database.isInBatch)
            try database.withBatchItem {
                try database.withTransaction { try $0.query("INSERT INTO puntos_test_batch_probe VALUES (\(tag), 1)") }
            }
            // Written, then refused: its row must not survive.
            #expect(
                throws: Refused.self,
                performing: {
                    try database.withBatchItem {
                        try database.withTransaction { try $0.query("INSERT INTO puntos_test_batch_probe VALUES (\(tag), 2)") }
                        throw Refused()
                    }
                })
            // A statement PostgreSQL refuses aborts only this item; the batch's transaction stays usable.
            #expect(
                throws: PostgresError.self,
                performing: {
                    try database.withBatchItem {
                        try database.withTransaction { connection in
                            try connection.query("INSERT INTO puntos_test_batch_probe VALUES (\(tag), 3)")
                            try connection.query("SELECT 1 / \(0) AS boom")
                        }
                    }
                })
            // A stronger isolation cannot be had inside a READ COMMITTED batch: refused, not faked.
            #expect(
                throws: BatchError.self,
                performing: {
                    try database.withBatchItem {
                        try database.withTransaction(isolation: .repeatableRead) { _ in () }
                    }
                })
            try database.withBatchItem {
                try database.withTransaction { try $0.query("INSERT INTO puntos_test_batch_probe VALUES (\(tag), 4)") }
            }
            seenBeforeCommit = try committed(tag, observer)
        }
        #expect(!database.isInBatch)
        #expect(seenBeforeCommit == [], "the batch's rows were visible before its one commit")
        #expect(try committed(tag, observer) == [1, 4])
    }

    @Test func aBatchThatThrowsCommitsNothing() throws {
        let database = try TestDatabase.admin()
        try database.withConnection {
            try $0.runScript("CREATE TABLE IF NOT EXISTS puntos_test_batch_probe (tag text NOT NULL, n integer NOT NULL)")
        }
        let tag = TestDatabase.unique("B")
        struct Lost: Error {}
        #expect(
            throws: Lost.self,
            performing: {
                try database.withBatch {
                    try database.withBatchItem {
                        try database.withTransaction { try $0.query("INSERT INTO puntos_test_batch_probe VALUES (\(tag), 1)") }
                    }
                    throw Lost()
                }
            })
        #expect(try committed(tag, database) == [])
        // The connection is usable afterwards, outside any batch.
        try database.withTransaction { try $0.query("INSERT INTO puntos_test_batch_probe VALUES (\(tag), 2)") }
        #expect(try committed(tag, database) == [2])
    }

    /// Accrue's SQS batch: two invoices and a bad message between them.
    @Test func anAccrueBatchCommitsTheGoodMessagesAndNamesTheBadOne() throws {
        let ledger = try LedgerFixture()
        let card = try ledger.card()
        let date = Timestamp.format(Date())
        func invoice(_ number: String, _ amount: Int) throws -> String {
            let body =
                #"{"kind":"invoice","programme":"\#(ledger.programme)","card_number":"\#(card)","number":"\#(number)","date":"\#(date)","currency":"USD","lines":[{"sku":"S","quantity":1,"amount":\#(amount)}]}"#
            return String(decoding: try JSONEncoder().encode(body), as: UTF8.self)
        }
        let unknownCard = String(
            decoding: try JSONEncoder().encode(
                #"{"kind":"invoice","programme":"\#(ledger.programme)","card_number":"0000000000000000","number":"Q-X","date":"\#(date)","currency":"USD","lines":[{"sku":"S","quantity":1,"amount":5}]}"#
            ), as: UTF8.self)
        let batch = Data(
            """
            {"Records":[
              {"messageId":"m-1","eventSource":"aws:sqs","body":\(try invoice("Q-1", 120))},
              {"messageId":"m-2","eventSource":"aws:sqs","body":\(unknownCard)},
              {"messageId":"m-3","eventSource":"aws:sqs","body":"{\\"kind\\":\\"invoice\\"}"},
              {"messageId":"m-4","eventSource":"aws:sqs","body":\(try invoice("Q-2", 30))}]}
            """.utf8)
        let runner = FunctionRunner(Accrue())
        func run() throws -> [String] {
            let output = try runner.invoke(batch, context: ledger.context()).get()
            return try JSONDecoder().decode(SQSBatchResponse.self, from: output).batchItemFailures.map(\.itemIdentifier)
        }
        #expect(Accrue.commitsQueueBatchTogether)
        #expect(try run() == ["m-2", "m-3"])
        #expect(try ledger.balance(of: card).available == 150)
        let entries = try ledger.count("ledger_entries")
        let notices = try ledger.count("notices")
        #expect(entries == 2)
        // Redelivered whole (as after a lost answer): the same failures, nothing written twice.
        #expect(try run() == ["m-2", "m-3"])
        #expect(try ledger.balance(of: card).available == 150)
        #expect(try ledger.count("ledger_entries") == entries)
        #expect(try ledger.count("notices") == notices)
        try ledger.checkInvariants()
    }

    /// Two batches over the same cards, one in the order of the other reversed, run at once again and
    /// again: each runs its messages in one order (`Accrue.batchLockKey`), so they wait for each other and
    /// never deadlock (which would fail a message and show in `batchItemFailures`).
    @Test func batchesOverTheSameCardsInOppositeOrdersNeverDeadlock() throws {
        let ledger = try LedgerFixture()
        let cards = try (0..<6).map { _ in try ledger.card() }
        let date = Timestamp.format(Date())
        func batch(_ round: Int, _ side: String, _ cards: [String]) throws -> Data {
            let records = try cards.enumerated().map { index, card in
                let body =
                    #"{"kind":"invoice","programme":"\#(ledger.programme)","card_number":"\#(card)","number":"D-\#(round)-\#(side)-\#(index)","date":"\#(date)","currency":"USD","lines":[{"sku":"S","quantity":1,"amount":10}]}"#
                return #"{"messageId":"\#(side)-\#(index)","eventSource":"aws:sqs","body":"#
                    + String(decoding: try JSONEncoder().encode(body), as: UTF8.self) + "}"
            }
            return Data((#"{"Records":["# + records.joined(separator: ",") + "]}").utf8)
        }
        let databases = try (0..<2).map { _ in try TestDatabase.make() }
        let runner = FunctionRunner(Accrue())
        let rounds = 8
        let failures = Mutex<[String]>([])
        for round in 0..<rounds {
            let batches = [try batch(round, "a", cards), try batch(round, "b", cards.reversed())]
            DispatchQueue.concurrentPerform(iterations: 2) { side in
                let context = FunctionContext.make(database: databases[side], logger: TestDatabase.logger, now: Date())
                let found: [String]
                do {
                    let output = try runner.invoke(batches[side], context: context).get()
                    found = try JSONDecoder().decode(SQSBatchResponse.self, from: output).batchItemFailures.map(\.itemIdentifier)
                } catch {
                    found = ["\(error)"]
                }
                failures.withLock { $0 += found.map { "round \(round): \($0)" } }
            }
        }
        #expect(failures.withLock { $0 } == [])
        for card in cards { #expect(try ledger.balance(of: card).available == Int64(rounds * 2 * 10)) }
        try ledger.checkInvariants()
    }

    /// The order a batch runs in: by key, messages without one (and unreadable ones) last, each key's
    /// messages in the order they came.
    @Test func aBatchRunsItsMessagesInTheOrderOfTheirAccounts() throws {
        func event(_ json: String) -> Result<AccrueEvent, FunctionError> {
            Result { () throws(FunctionError) in try EventDecoding.decode(AccrueEvent.self, from: Data(json.utf8)) }
        }
        func invoice(_ card: String?, _ number: String) -> Result<AccrueEvent, FunctionError> {
            let account = card.map { #""card_number":"\#($0)""# } ?? #""external_id":"E-1""#
            return event(
                #"{"kind":"invoice",\#(account),"number":"\#(number)","date":"2026-01-02T00:00:00Z","currency":"USD","lines":[]}"#
            )
        }
        let messages: [(String, Result<AccrueEvent, FunctionError>)] = [
            ("1", invoice("4000000000000002", "I-1")),
            ("2", event(#"{"kind":"approve","invoice_number":"I-0"}"#)),
            ("3", invoice("3000000000000004", "I-2")),
            ("4", event(#"{"kind":"invoice"}"#)),
            ("5", invoice("4000000000000002", "I-3")),
            ("6", invoice(nil, "I-4")),
        ]
        #expect(messages.filter { (try? $0.1.get()) == nil }.map(\.0) == ["4"])  // only the unreadable one
        #expect(FunctionRunner<Accrue>.lockOrder(messages).map(\.0) == ["3", "1", "5", "6", "2", "4"])
    }
}
