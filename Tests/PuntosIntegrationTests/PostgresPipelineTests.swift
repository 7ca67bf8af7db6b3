import Foundation
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// Statements sent with the next one (`sendWithNext`, libpq pipeline mode): a transaction's `BEGIN`
/// with its first statement, an answer nobody reads with `COMMIT`. Runs through PgBouncer in
/// transaction mode too (scripts/test's second pass).
@Suite struct PostgresPipelineTests {
    /// The connection's round trips so far.
    private func roundTrips(_ database: Database) throws -> Int { try database.withConnection { $0.roundTrips } }

    @Test func aTransactionsBeginTravelsWithItsFirstStatement() throws {
        let database = try TestDatabase.make()
        let before = try roundTrips(database)
        let (first, second): (String, String) = try database.withTransaction { connection in
            // now() is the transaction's start: equal in both only if BEGIN ran before the first.
            let first: String = try connection.query("SELECT now()::text AS at, pg_sleep(\("0.01")::float8) AS slept").one()
                .decode("at")
            let second: String = try connection.query("SELECT now()::text AS at").one().decode("at")
            return (first, second)
        }
        #expect(first == second)
        // BEGIN + the first statement, the second, COMMIT.
        #expect(try roundTrips(database) - before == 3)
    }

    @Test func aStatementHeldForTheCommitIsCommittedInOneRoundTrip() throws {
        let database = try TestDatabase.make()
        let id = TestDatabase.unique("held")
        let before = try roundTrips(database)
        try database.withTransaction { $0.sendWithNext("INSERT INTO layer_test VALUES (\(id))") }
        #expect(try roundTrips(database) - before == 1)
        let found: Int = try database.withConnection {
            try $0.query("SELECT count(*)::int AS n FROM layer_test WHERE id = \(id)").one().decode("n")
        }
        #expect(found == 1)
    }

    @Test func aHeldStatementsErrorIsThrownByTheNextNamingItAndRollsEverythingBack() throws {
        let database = try TestDatabase.make()
        let id = TestDatabase.unique("rolled-back")
        do {
            try database.withTransaction { connection in
                try connection.query("INSERT INTO layer_test VALUES (\(id))")
                connection.sendWithNext("SELECT 1 / \(0) AS boom")
                try connection.query("SELECT 1 AS one")
                Issue.record("the held statement's error did not surface")
            }
        } catch let error as PostgresError {
            #expect(error.sqlState == SQLState("22012"))
            #expect(error.query?.contains("boom") == true)
        }
        // The connection left pipeline mode and its failed transaction: the next one runs normally.
        let found: Int = try database.withTransaction {
            try $0.query("SELECT count(*)::int AS n FROM layer_test WHERE id = \(id)").one().decode("n")
        }
        #expect(found == 0)
        let status: String = try database.withConnection {
            try $0.query("SELECT 'idle'::text AS status").one().decode("status")
        }
        #expect(status == "idle")
    }

    @Test func aTransactionThatFailsBeforeItsFirstStatementSendsNothing() throws {
        let database = try TestDatabase.make()
        struct BadInput: Error {}
        let before = try roundTrips(database)
        #expect(throws: BadInput.self) { try database.withTransaction { _ in throw BadInput() } }
        // Neither BEGIN nor ROLLBACK went out; the next transaction starts clean.
        #expect(try roundTrips(database) == before)
        let one: Int = try database.withTransaction { try $0.query("SELECT 1 AS one").one().decode("one") }
        #expect(one == 1)
    }

    @Test func aBatchsSavepointsTravelWithItsStatements() throws {
        let database = try TestDatabase.make()
        let kept = TestDatabase.unique("kept"), dropped = TestDatabase.unique("dropped")
        struct Refused: Error {}
        let before = try roundTrips(database)
        try database.withBatch {
            try database.withBatchItem {
                try database.withTransaction { try $0.query("INSERT INTO layer_test VALUES (\(kept))") }
            }
            #expect(throws: Refused.self) {
                try database.withBatchItem {
                    try database.withTransaction { connection in
                        try connection.query("INSERT INTO layer_test VALUES (\(dropped))")
                        throw Refused()
                    }
                }
            }
        }
        let batchRoundTrips = try roundTrips(database) - before
        let found = try database.withConnection {
            try $0.query("SELECT id FROM layer_test WHERE id = ANY(\([kept, dropped]))").map {
                try $0.decode("id", as: String.self)
            }
        }
        #expect(found == [kept])
        // Two savepoints per item (withBatchItem's, and withTransaction's inside a batch). 1: BEGIN, both
        // savepoints and the first INSERT; 2: both RELEASEs, the next two savepoints and the second
        // INSERT; 3 and 4: the second item's two rollbacks; 5: COMMIT.
        #expect(batchRoundTrips == 5)
    }
}
