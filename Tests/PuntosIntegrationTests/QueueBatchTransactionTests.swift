import Foundation
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
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
}
