import Foundation
import PuntosPostgres
import PuntosTestSupport
import Testing

@testable import puntos

/// The claim of a queue consumer under the plans PostgreSQL may choose for it: each test has a database
/// of its own holding the queue tables (migrations/0030_queues.sql), analyzed while empty, as a
/// database-wide `ANALYZE` before the first message leaves it.
@Suite struct QueueClaimTests {
    /// A scratch database with the queue tables, their statistics saying "empty".
    func emptyAnalyzedQueue() throws -> (database: Database, admin: PostgresConnection, drop: () -> Void) {
        let scratch = try TestDatabase.scratch()
        let configuration = PostgresConfiguration(url: scratch.url, applicationName: "puntos-queue-claim-tests")
        let admin = try PostgresConnection(configuration: configuration, logger: TestDatabase.logger)
        let migration = FunctionProcess.projectRoot.appendingPathComponent("migrations/0030_queues.sql")
        try admin.runScript(try String(contentsOf: migration, encoding: .utf8))
        try admin.runScript("ANALYZE puntos_queue_messages")
        let database = Database(configuration: configuration, logger: TestDatabase.logger)
        return (
            database, admin,
            {
                database.close()
                admin.close()
                scratch.drop()
            }
        )
    }

    func enqueue(_ database: Database, _ count: Int) throws {
        try QueueStore.enqueue(database, queue: "ClaimQueue", bodies: (0..<count).map { "{\"n\":\($0)}" })
    }

    func claimed(_ database: Database) throws -> Int {
        try database.withConnection {
            try $0.query("SELECT count(*) AS n FROM puntos_queue_messages WHERE claimed_until IS NOT NULL").one()
                .decode("n", as: Int.self)
        }
    }

    /// The plan a prepared claim keeps after running on the empty table once joined the UPDATE to the
    /// locking subquery by scanning it again for each row: one claim took every message waiting.
    @Test func aClaimTakesAtMostItsLimitEvenWithThePlanMadeForAnEmptyQueue() throws {
        let queue = try emptyAnalyzedQueue()
        defer { queue.drop() }
        try queue.database.withConnection { try $0.runScript("SET plan_cache_mode = force_generic_plan") }
        // The second claim prepares the statement: its plan is made while the table has no page at all.
        for _ in 0..<3 {
            #expect(try QueueStore.claim(queue.database, queue: "ClaimQueue", limit: 10, visibilitySeconds: 60).isEmpty)
        }
        try enqueue(queue.database, 200)
        let first = try QueueStore.claim(queue.database, queue: "ClaimQueue", limit: 10, visibilitySeconds: 60)
        #expect(first.count == 10)
        #expect(try claimed(queue.database) == 10)
        let second = try QueueStore.claim(queue.database, queue: "ClaimQueue", limit: 10, visibilitySeconds: 60)
        #expect(second.count == 10)
        #expect(Set(first.map(\.id)).isDisjoint(with: second.map(\.id)))
        #expect(try claimed(queue.database) == 20)
    }

    /// Bodies go in as they are, in order, whatever they hold.
    @Test func enqueuedBodiesComeBackExactlyAndInOrder() throws {
        let queue = try emptyAnalyzedQueue()
        defer { queue.drop() }
        let bodies = [
            #"{"quote":"\"","backslash":"\\","braces":"{}","comma":","}"#, "plain, with {braces} and \"quotes\"",
            "line\nbreak\ttab é 🎉", "", "NULL", #"\"#,
        ]
        let ids = try QueueStore.enqueue(queue.database, queue: "ClaimQueue", bodies: bodies)
        #expect(ids.count == bodies.count)
        let claimed = try QueueStore.claim(queue.database, queue: "ClaimQueue", limit: 10, visibilitySeconds: 60)
        #expect(claimed.map(\.body) == bodies)
        #expect(claimed.map(\.messageId) == ids)
    }

    /// A consumer lane's connections plan each claim for the queue as it is: the setting is a startup
    /// option of every connection the lane opens, the first and a reconnected one alike, inside the
    /// settle transaction too; other connections keep PostgreSQL's default.
    @Test func aLaneConnectionPlansEveryClaimAfreshAlsoAfterReconnecting() throws {
        let queue = try emptyAnalyzedQueue()
        defer { queue.drop() }
        let lane = Database(
            configuration: QueueStore.laneConfiguration(queue.database.configuration), logger: TestDatabase.logger)
        defer { lane.close() }
        func planning(_ database: Database) throws -> String {
            try database.withConnection { try $0.query("SHOW plan_cache_mode").one() }.decode("plan_cache_mode", as: String.self)
        }
        #expect(try planning(queue.database) == "auto")
        #expect(try planning(lane) == "force_custom_plan")
        try enqueue(queue.database, 30)
        let batch = try QueueStore.settleAndClaim(lane, nil, queue: "ClaimQueue", limit: 10, visibilitySeconds: 60)
        #expect(batch.count == 10)

        let pid = try lane.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").one() }.decode("pid", as: Int.self)
        try queue.admin.query("SELECT pg_terminate_backend(\(pid))")
        for _ in 0..<100 {
            let alive = try queue.admin.query("SELECT count(*) AS n FROM pg_stat_activity WHERE pid = \(pid)").one()
                .decode("n", as: Int.self)
            if alive == 0 { break }
            usleep(50_000)
        }
        // The broken connection fails at most the one call that finds it broken; the next is on a new one.
        // One message to retry: the settlement and the claim are one transaction then.
        var settlement = QueueStore.Settlement(error: "reported in batchItemFailures")
        settlement.succeeded = batch.dropFirst().map(\.id)
        settlement.retry[batch[0].id] = 30
        var next = try? QueueStore.settleAndClaim(lane, settlement, queue: "ClaimQueue", limit: 10, visibilitySeconds: 60)
        if next == nil {
            next = try QueueStore.settleAndClaim(lane, settlement, queue: "ClaimQueue", limit: 10, visibilitySeconds: 60)
        }
        #expect(next?.count == 10)
        let reconnected = try lane.withConnection { try $0.query("SELECT pg_backend_pid() AS pid").one() }
            .decode("pid", as: Int.self)
        #expect(reconnected != pid)
        #expect(try planning(lane) == "force_custom_plan")
        let inTransaction = try lane.withTransaction { try $0.query("SHOW plan_cache_mode").one() }
            .decode("plan_cache_mode", as: String.self)
        #expect(inTransaction == "force_custom_plan")
        let left = try queue.database.withConnection {
            try $0.query("SELECT count(*) AS n FROM puntos_queue_messages").one().decode("n", as: Int.self)
        }
        #expect(left == 21)
    }
}
