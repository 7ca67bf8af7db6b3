import Foundation
import PuntosPostgres

/// The SQL of the queue tables (migrations/0030_queues.sql), one statement per step.
enum QueueStore {
    struct Message: Sendable {
        let id: Int64
        let messageId: String
        let body: String
        let receiveCount: Int
        let enqueuedAt: Double
        let firstReceivedAt: Double
    }

    struct Stats: Sendable {
        let queue: String
        let ready: Int
        let inFlight: Int
        let delayed: Int
        let dead: Int
        let oldestReadySeconds: Double
    }

    static let channel = "puntos_queue"

    /// Puts messages in, and wakes the consumers with NOTIFY in the same transaction.
    @discardableResult
    static func enqueue(_ database: Database, queue: String, bodies: [String]) throws -> [String] {
        // A text[] literal, not a JSON array: writing one was a fifth of `puntos enqueue`'s CPU (perf).
        let array = textArrayLiteral(bodies)
        return try database.withTransaction { connection in
            let rows = try connection.query(
                """
                INSERT INTO puntos_queue_messages (queue, body)
                SELECT \(queue), value FROM unnest(\(array)::text[]) WITH ORDINALITY AS b(value, n) ORDER BY n
                RETURNING message_id::text AS message_id
                """)
            try connection.query("SELECT pg_notify(\(channel), \(queue))")
            return try rows.rows.map { try $0.decode("message_id", as: String.self) }
        }
    }

    /// What to do with a batch that was handled: delete what succeeded, delay what failed (seconds, by
    /// id), move to the dead letters what failed its last allowed receive.
    struct Settlement: Sendable {
        var succeeded: [Int64] = []
        var retry: [Int64: Double] = [:]
        var dead: [Int64] = []
        var error = ""
    }

    /// Claims up to `limit` ready messages (SKIP LOCKED: consumers never wait for each other) and hides
    /// them for `visibilitySeconds`.
    static func claim(
        _ database: Database, queue: String, limit: Int, visibilitySeconds: Int
    ) throws -> [Message] {
        try settleAndClaim(database, nil, queue: queue, limit: limit, visibilitySeconds: visibilitySeconds)
    }

    /// The settings of a consumer lane's connection: `base`, with every claim planned afresh (a startup
    /// option, so every connection of the lane has it from its first statement, reconnections included).
    /// The claim's best plan depends on how many messages wait, which changes by the second; a prepared
    /// statement's cached generic plan, chosen while the table looked empty (after an `ANALYZE` of the
    /// empty table, say), scans the whole queue for every claim, so a drain gets slower with every
    /// message waiting (bench/queue).
    static func laneConfiguration(_ base: PostgresConfiguration) -> PostgresConfiguration {
        var configuration = base
        configuration.forceCustomPlans = true
        return configuration
    }

    /// Settles the batch handled before (if any) and claims the next one, with one commit instead of two.
    /// The usual case, where every message succeeded, is one statement: the delete of the batch handled
    /// and the claim of the next. A failure changes nothing: unsettled messages stay claimed until their
    /// visibility timeout, then are delivered again (the functions' effects are idempotent). `limit` 0
    /// only settles.
    static func settleAndClaim(
        _ database: Database, _ settlement: Settlement?, queue: String, limit: Int, visibilitySeconds: Int
    ) throws -> [Message] {
        guard let settlement, !settlement.retry.isEmpty || !settlement.dead.isEmpty else {
            let done = arrayLiteral(settlement?.succeeded ?? [])
            return try database.withConnection { connection in
                try claim(connection, settled: done, queue: queue, limit: limit, visibilitySeconds: visibilitySeconds)
            }
        }
        return try database.withTransaction { connection in
            try settle(connection, settlement)
            return try claim(connection, settled: "{}", queue: queue, limit: limit, visibilitySeconds: visibilitySeconds)
        }
    }

    /// Deletes the messages `settled` (succeeded: a bigint array literal) and claims up to `limit`
    /// others, in one statement. The ready messages are locked in a materialized CTE, run once: as a
    /// subquery joined to the UPDATE, a plan could scan it again for every row of the table, locking
    /// (and claiming) far more than `limit` messages, in time that grows with the square of the queue.
    private static func claim(
        _ connection: PostgresConnection, settled: String, queue: String, limit: Int, visibilitySeconds: Int
    ) throws -> [Message] {
        try connection.query(
            """
            WITH settled AS (DELETE FROM puntos_queue_messages WHERE id = ANY(\(settled)::bigint[])),
            ready AS MATERIALIZED (
                SELECT id FROM puntos_queue_messages
                WHERE queue = \(queue) AND visible_at <= now() AND id <> ALL(\(settled)::bigint[])
                ORDER BY visible_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            UPDATE puntos_queue_messages m
            SET receive_count = m.receive_count + 1,
                claimed_until = now() + make_interval(secs => \(visibilitySeconds)),
                visible_at = now() + make_interval(secs => \(visibilitySeconds)),
                first_received_at = coalesce(m.first_received_at, now())
            FROM ready
            WHERE m.id = ready.id
            RETURNING m.id, m.message_id::text AS message_id, m.body, m.receive_count,
                      extract(epoch FROM m.enqueued_at)::float8 AS enqueued_at,
                      extract(epoch FROM m.first_received_at)::float8 AS first_received_at
            """
        ).rows.map { row in
            Message(
                id: try row.decode("id", as: Int64.self), messageId: try row.decode("message_id", as: String.self),
                body: try row.decode("body", as: String.self), receiveCount: try row.decode("receive_count", as: Int.self),
                enqueuedAt: Double(try row.decode("enqueued_at", as: String.self)) ?? 0,
                firstReceivedAt: Double(try row.decode("first_received_at", as: String.self)) ?? 0)
        }.sorted { $0.id < $1.id }
    }

    /// After a batch: deletes what succeeded, delays what failed (`delays` in seconds, by id), and moves
    /// to the dead letters what failed its last allowed receive. One transaction.
    static func settle(_ database: Database, succeeded: [Int64], retry delays: [Int64: Double], dead: [Int64], error: String)
        throws
    {
        _ = try settleAndClaim(
            database, Settlement(succeeded: succeeded, retry: delays, dead: dead, error: error), queue: "", limit: 0,
            visibilitySeconds: 0)
    }

    private static func settle(_ connection: PostgresConnection, _ settlement: Settlement) throws {
        let (succeeded, delays, dead, error) = (settlement.succeeded, settlement.retry, settlement.dead, settlement.error)
        if !succeeded.isEmpty {
            try connection.query("DELETE FROM puntos_queue_messages WHERE id = ANY(\(arrayLiteral(succeeded))::bigint[])")
        }
        if !delays.isEmpty {
            let ids = delays.keys.sorted()
            let seconds = "{" + ids.map { String(delays[$0]!) }.joined(separator: ",") + "}"
            try connection.query(
                """
                UPDATE puntos_queue_messages m
                SET claimed_until = NULL, visible_at = now() + make_interval(secs => d.delay), last_error = \(error)
                FROM unnest(\(arrayLiteral(ids))::bigint[], \(seconds)::float8[]) AS d(id, delay)
                WHERE m.id = d.id
                """)
        }
        if !dead.isEmpty {
            try connection.query(
                """
                WITH moved AS (DELETE FROM puntos_queue_messages WHERE id = ANY(\(arrayLiteral(dead))::bigint[]) RETURNING *)
                INSERT INTO puntos_queue_dead_letters (id, queue, message_id, body, receive_count, enqueued_at, last_error)
                SELECT id, queue, message_id, body, receive_count, enqueued_at, \(error) FROM moved
                """)
        }
    }

    static func stats(_ database: Database, queues: [String]) throws -> [Stats] {
        try database.withConnection { connection in
            try connection.query(
                """
                SELECT q.queue,
                       (SELECT count(*) FROM puntos_queue_messages m WHERE m.queue = q.queue AND m.visible_at <= now()) AS ready,
                       (SELECT count(*) FROM puntos_queue_messages m WHERE m.queue = q.queue AND m.claimed_until > now()) AS in_flight,
                       (SELECT count(*) FROM puntos_queue_messages m WHERE m.queue = q.queue AND m.visible_at > now()
                          AND (m.claimed_until IS NULL OR m.claimed_until <= now())) AS delayed,
                       (SELECT count(*) FROM puntos_queue_dead_letters d WHERE d.queue = q.queue) AS dead,
                       coalesce((SELECT extract(epoch FROM now() - min(m.visible_at)) FROM puntos_queue_messages m
                                 WHERE m.queue = q.queue AND m.visible_at <= now()), 0)::float8 AS oldest
                FROM unnest(\(textArrayLiteral(queues))::text[]) AS q(queue) ORDER BY q.queue
                """
            ).rows.map { row in
                Stats(
                    queue: try row.decode("queue", as: String.self), ready: try row.decode("ready", as: Int.self),
                    inFlight: try row.decode("in_flight", as: Int.self), delayed: try row.decode("delayed", as: Int.self),
                    dead: try row.decode("dead", as: Int.self),
                    oldestReadySeconds: Double(try row.decode("oldest", as: String.self)) ?? 0)
            }
        }
    }

    struct DeadLetter: Sendable {
        let messageId: String
        let receiveCount: Int
        let diedAt: String
        let lastError: String?
        let body: String
    }

    static func deadLetters(_ database: Database, queue: String, limit: Int) throws -> [DeadLetter] {
        try database.withConnection { connection in
            try connection.query(
                """
                SELECT message_id::text AS message_id, receive_count, died_at::text AS died_at, last_error, body
                FROM puntos_queue_dead_letters WHERE queue = \(queue) ORDER BY died_at, id LIMIT \(limit)
                """
            ).rows.map { row in
                DeadLetter(
                    messageId: try row.decode("message_id", as: String.self),
                    receiveCount: try row.decode("receive_count", as: Int.self),
                    diedAt: try row.decode("died_at", as: String.self),
                    lastError: try row.decodeIfPresent("last_error", as: String.self),
                    body: try row.decode("body", as: String.self))
            }
        }
    }

    /// Moves dead letters (all of a queue's, or one) back into the queue with a fresh receive count.
    static func replay(_ database: Database, queue: String, messageId: String?) throws -> Int {
        try database.withTransaction { connection in
            let moved = try connection.query(
                """
                WITH moved AS (DELETE FROM puntos_queue_dead_letters
                               WHERE queue = \(queue) AND (\(messageId)::uuid IS NULL OR message_id = \(messageId)::uuid) RETURNING *)
                INSERT INTO puntos_queue_messages (queue, message_id, body, enqueued_at)
                SELECT queue, message_id, body, enqueued_at FROM moved
                """
            ).affectedRows
            try connection.query("SELECT pg_notify(\(channel), \(queue))")
            return moved
        }
    }

    static func arrayLiteral(_ ids: [Int64]) -> String { "{" + ids.map(String.init).joined(separator: ",") + "}" }

    /// A text[] literal: each value in double quotes, its backslashes and double quotes escaped.
    static func textArrayLiteral(_ values: [String]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.reduce(2) { $0 + $1.utf8.count + 3 })
        bytes.append(UInt8(ascii: "{"))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
