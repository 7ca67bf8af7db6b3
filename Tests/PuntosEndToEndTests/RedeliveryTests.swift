import Foundation
import PuntosPostgres
import PuntosTestSupport
import Testing

/// A queue delivers at least once and in any order: the whole story, then every event of it again,
/// three times each in a shuffled order, must leave every table as the first pass left it (but the
/// delivery-attempt log, which records each try by design). Three seeds, each on a database of its own.
@Suite(.serialized) struct RedeliveryTests {
    /// Tables whose rows may change when an event is delivered again: none but the attempt log.
    static let changingByDesign: Set<String> = ["delivery_attempts"]

    @Test(arguments: [UInt64(1), 2, 3])
    func everyEventRedeliveredInAnyOrderChangesNothing(seed: UInt64) throws {
        let scratch = try TestDatabase.scratch()
        defer { scratch.drop() }
        let migrated = try FunctionProcess.run(
            "puntos", arguments: ["migrate", "--dir", "migrations"],
            environment: ["DATABASE_URL": scratch.url, "PUNTOS_ADMIN_URL": scratch.url])
        #expect(migrated.exitCode == 0, "\(migrated.stderrText)")
        let applicationURL = scratch.url.replacingOccurrences(of: "//postgres@", with: "//puntos_app@")
        let environment = StoryTests.environment.merging(["DATABASE_URL": applicationURL]) { $1 }
        let steps = try StoryTests.story()

        for step in steps {
            let outcome = try Self.play(step, environment: environment)
            #expect(outcome.exitCode == 0, "\(step.function) < \(step.file): \(outcome.stderrText)")
        }
        let admin = Database(configuration: PostgresConfiguration(url: scratch.url), logger: TestDatabase.logger)
        defer { admin.close() }
        let before = try Self.snapshot(admin)
        #expect(before.count > 20, "the snapshot should cover the whole schema")
        #expect(before["alert_subscriptions"] != Self.emptyDigest, "the story should have written subscriptions")

        var generator = SplitMix64(seed: seed)
        let redeliveries = (steps + steps + steps).shuffled(using: &generator)
        for step in redeliveries {
            let outcome = try Self.play(step, environment: environment)
            #expect(outcome.exitCode == 0, "redelivered \(step.function) < \(step.file): \(outcome.stderrText)")
        }
        let after = try Self.snapshot(admin)
        for (table, digest) in before.sorted(by: { $0.key < $1.key }) where !Self.changingByDesign.contains(table) {
            #expect(after[table] == digest, "seed \(seed): \(table) changed when the story's events were delivered again")
        }
    }

    static func play(_ step: StoryTests.Step, environment: [String: String]) throws -> FunctionProcess.Outcome {
        let event = try Data(contentsOf: FunctionProcess.projectRoot.appendingPathComponent("events/\(step.file)"))
        return try FunctionProcess.run(step.function, input: event, environment: environment)
    }

    static let emptyDigest = "d41d8cd98f00b204e9800998ecf8427e"  // md5 of ''

    /// Every table of the schema and an MD5 of all its rows, in a total order.
    static func snapshot(_ database: Database) throws -> [String: String] {
        try database.withConnection { connection in
            let rows = try connection.query(
                """
                SELECT c.relname AS name,
                       (xpath('/row/digest/text()', query_to_xml(
                           format('SELECT md5(coalesce(string_agg(t::text, E''\\n'' ORDER BY t::text), '''')) AS digest FROM %I t',
                                  c.relname), false, true, '')))[1]::text AS digest
                FROM pg_class c
                WHERE c.relkind IN ('r', 'p') AND c.relnamespace = 'public'::regnamespace
                """)
            var digests: [String: String] = [:]
            for row in rows { digests[try row.decode("name")] = try row.decode("digest", as: String.self) }
            return digests
        }
    }
}

/// A small seeded generator, so that a failing order can be replayed by its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
