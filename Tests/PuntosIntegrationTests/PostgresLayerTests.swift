import Foundation
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

@Suite struct PostgresLayerTests {
    @Test func bindParametersCarryEveryValueExactly() throws {
        let database = try TestDatabase.make()
        let tricky = "O'Brien \"quoted\" \\ back; DROP TABLE cards; -- Пётр 李 🎉"
        let big = Int64.max
        let money = Decimal(string: "123456789012345678.123456789")!
        let when = Date(timeIntervalSince1970: 1_795_377_097.123)
        let row = try database.withConnection { connection in
            try connection.query(
                """
                SELECT \(tricky)::text AS text, \(big)::bigint AS big, \(money)::numeric AS money, \(when)::timestamptz AS at,
                       \(true)::boolean AS yes, \(Optional<String>.none)::text AS nothing, length(\(tricky)) AS characters
                """
            ).one()
        }
        #expect(try row.decode("text", as: String.self) == tricky)
        #expect(try row.decode("big", as: Int64.self) == Int64.max)
        #expect(try row.decode("money", as: Decimal.self) == money)
        #expect(try row.decode("at", as: Date.self) == when)
        #expect(try row.decode("yes", as: Bool.self))
        #expect(try row.decodeIfPresent("nothing", as: String.self) == nil)
        #expect(try row.decode("characters", as: Int.self) == tricky.count)
    }

    @Test func largeValuesAndArraysRoundTrip() throws {
        let database = try TestDatabase.make()
        let large = String(repeating: "ab🎉", count: 400_000)  // 2.4 MB of UTF-8
        let items = ["plain", "with,comma", "with\"quote", "with\\slash", "{braces}", "NULL", ""]
        try database.withConnection { connection in
            let row = try connection.query("SELECT \(large)::text AS large, octet_length(\(large)) AS bytes").one()
            #expect(try row.decode("large", as: String.self) == large)
            #expect(try row.decode("bytes", as: Int.self) == large.utf8.count)
            let unnested = try connection.query(
                "SELECT item FROM unnest(\(items)::text[]) WITH ORDINALITY AS t(item, n) ORDER BY n")
            #expect(try unnested.map { try $0.decode("item", as: String.self) } == items)
        }
    }

    @Test func decodingNamesTheColumnThatDoesNotFit() throws {
        let database = try TestDatabase.make()
        try database.withConnection { connection in
            let row = try connection.query("SELECT NULL::text AS empty, 'abc' AS word").one()
            #expect(throws: PostgresError.self) { try row.decode("empty", as: String.self) }
            #expect(throws: PostgresError.self) { try row.decode("word", as: Int.self) }
            #expect(throws: PostgresError.self) { try row.decode("missing", as: String.self) }
            do {
                _ = try row.decode("word", as: Int.self)
            } catch let error as PostgresError {
                #expect(error.message.contains("word"))
                #expect(error.code == .decoding)
            }
        }
    }

    @Test func aNulCharacterIsRefusedNotTruncated() throws {
        let database = try TestDatabase.make()
        #expect(throws: PostgresError.self) {
            try database.withConnection { try $0.query("SELECT \("before\u{0}after")::text AS value") }
        }
    }

    @Test func transactionsCommitOrRollBackAsAWhole() throws {
        let database = try TestDatabase.make()
        // layer_test is made by scripts/test as the owner: the functions' role creates no tables.
        let kept = TestDatabase.unique("kept"), dropped = TestDatabase.unique("dropped")
        try database.withTransaction { try $0.query("INSERT INTO layer_test VALUES (\(kept))") }
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try database.withTransaction { connection in
                try connection.query("INSERT INTO layer_test VALUES (\(dropped))")
                throw Abort()
            }
        }
        let found = try database.withConnection {
            try $0.query("SELECT id FROM layer_test WHERE id = ANY(\([kept, dropped]))").map {
                try $0.decode("id", as: String.self)
            }
        }
        #expect(found == [kept])
    }

    @Test func serializationFailuresAreRetriedABoundedNumberOfTimes() throws {
        let database = try TestDatabase.make()
        var attempts = 0
        let value = try database.withTransaction { connection -> Int in
            attempts += 1
            if attempts < 3 {
                try connection.runScript(
                    "DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = 'serialization_failure'; END $$")
            }
            return attempts
        }
        #expect(value == 3)

        attempts = 0
        do {
            try database.withTransaction { connection in
                attempts += 1
                try connection.runScript("DO $$ BEGIN RAISE EXCEPTION 'simulated' USING ERRCODE = 'deadlock_detected'; END $$")
            }
            Issue.record("expected the deadlock to surface")
        } catch let error as PostgresError {
            #expect(error.sqlState == .deadlockDetected)
            #expect(FunctionError(converting: error).kind == .temporary)
        }
        #expect(attempts == database.maxTransactionAttempts)
    }

    @Test func otherErrorsCarryTheirSQLStateAndAreNotRetried() throws {
        let database = try TestDatabase.make()
        var attempts = 0
        do {
            try database.withTransaction { connection in
                attempts += 1
                try connection.query("SELECT 1 / \(0) AS boom")
            }
        } catch let error as PostgresError {
            #expect(error.sqlState == SQLState("22012"))
            #expect(error.query?.contains("$1") == true)
        }
        #expect(attempts == 1)
    }

    @Test func anUnreachableServerIsATemporaryErrorThatSaysWhatToCheck() throws {
        let database = Database(
            configuration: PostgresConfiguration(url: "postgresql://postgres@127.0.0.1:1/none", connectTimeoutSeconds: 2),
            logger: TestDatabase.logger)
        do {
            try database.withTransaction { _ in }
            Issue.record("expected a connection failure")
        } catch let error as PostgresError {
            #expect(error.code == .connectionFailed)
            #expect(error.isTemporary)
            #expect(error.message.contains("DATABASE_URL"))
            #expect(FunctionError(converting: error).exitCode == 75)
        }
    }

    @Test func statementTimeoutComesFromConfiguration() throws {
        let database = try TestDatabase.make(statementTimeoutMilliseconds: 200)
        do {
            try database.withConnection { try $0.query("SELECT pg_sleep(\(2)) AS slept") }
            Issue.record("expected the statement to time out")
        } catch let error as PostgresError {
            #expect(error.sqlState == .queryCanceled)
            #expect(FunctionError(converting: error).kind == .temporary)
        }
    }

    @Test func aBrokenConnectionIsMadeAgain() throws {
        let database = try TestDatabase.make()
        let pid: Int = try database.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").one().decode("pid") }
        let other = try TestDatabase.make()
        try other.withConnection { try $0.query("SELECT pg_terminate_backend(\(pid)) AS done") }
        #expect(throws: PostgresError.self) { try database.withConnection { try $0.query("SELECT 1 AS one") } }
        let newPid: Int = try database.withTransaction { try $0.query("SELECT pg_backend_pid() AS pid").one().decode("pid") }
        #expect(newPid != pid)
    }

    // Not through PgBouncer (its pass skips this suite): a server connection is shared there.
    @Test func aConnectionThatBrokeWhileIdleIsReplacedWithoutFailingTheTransaction() throws {
        let database = try TestDatabase.make()
        let pid: Int = try database.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").one().decode("pid") }
        let other = try TestDatabase.make()
        try other.withConnection { try $0.query("SELECT pg_terminate_backend(\(pid)) AS done") }
        // The BEGIN travels with the first statement, so the break is found there: nothing of the
        // transaction ran, and it runs once more on a new connection.
        let newPid: Int = try database.withTransaction { try $0.query("SELECT pg_backend_pid() AS pid").one().decode("pid") }
        #expect(newPid != pid)
    }

    @Test func constraintViolationsNameTheConstraint() throws {
        let database = try TestDatabase.make()
        do {
            try database.withTransaction { connection in
                try connection.query(
                    """
                    INSERT INTO customers (programme_id, external_id) VALUES ('default', \(TestDatabase.unique("x"))),
                    ('default', \("same")), ('default', \("same"))
                    """)
            }
        } catch let error as PostgresError {
            #expect(error.sqlState == .uniqueViolation)
            #expect(error.constraint == "customers_programme_id_external_id_key")
        }
    }

    @Test func statementsArePreparedOncePerConnection() throws {
        let database = try TestDatabase.make()
        try database.withConnection { connection in
            for value in 0..<5 { try connection.query("SELECT \(value)::int + 1 AS next") }
            let prepared: Int = try connection.query(
                "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = \("SELECT $1::int + 1 AS next")"
            ).one().decode("n")
            #expect(prepared == 1)
        }
    }

    @Test func aSchemaChangeUnderAPreparedStatementIsSurvived() throws {
        let database = try TestDatabase.make()
        let table = "prep_" + UUID().uuidString.lowercased().filter { $0 != "-" }.prefix(12)
        let other = try TestDatabase.admin()  // DDL is the owner's: the functions' role may not
        try other.withConnection { try $0.runScript("CREATE TABLE \(table) (id int); INSERT INTO \(table) VALUES (1)") }
        // The table name is made here from hex digits, so it may be spelt into SQL text.
        let select = SQL(stringLiteral: "SELECT 1 AS one")  // warm the cache with something else first
        try database.withTransaction { try $0.query(select) }
        func count() throws -> Int {
            try database.withTransaction { connection in
                try connection.query(SQL(unsafeText: "SELECT * FROM \(table)")).count
            }
        }
        #expect(try count() == 1)
        #expect(try count() == 1)  // prepared on this second use
        try other.withConnection { try $0.runScript("ALTER TABLE \(table) ADD COLUMN name text") }
        #expect(try count() == 1)
        try other.withConnection { try $0.runScript("DROP TABLE \(table)") }
    }
}
