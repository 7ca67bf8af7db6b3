import Foundation
import PuntosPostgres
import PuntosTestSupport
import Testing

/// Generated hostile events against every function's decoder and handler, run as a user runs them
/// (the built executables, one process each, a database of their own with the story played in it).
///
/// Each case is a sample event of `events/` mutated: a value replaced by another type, an extreme
/// number, text with NUL, combining marks, control characters or SQL; a field removed or added; the
/// kind changed; the bytes truncated or flipped. It asserts what a function promises: it exits 0,
/// 65, 69 or 75 (never 70, never a signal), and a refusal changes nothing (a business refusal, 69,
/// may store its answer under its idempotency key, and nothing else).
///
/// `PUNTOS_FUZZ_COUNT` cases (default 120, as CI runs) from `PUNTOS_FUZZ_SEED` (default 20261202):
/// a failure names its seed and case, and the same seed replays it.
@Suite(.serialized) struct FuzzTests {
    struct Sample {
        let function: String
        let file: String
        let object: Any
    }

    static var count: Int { ProcessInfo.processInfo.environment["PUNTOS_FUZZ_COUNT"].flatMap(Int.init) ?? 120 }
    static var seed: UInt64 { ProcessInfo.processInfo.environment["PUNTOS_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_202 }

    /// The exits a function may end with on any input (DESIGN.md): answered, bad input, business answer, retry.
    static let allowedExits: Set<Int32> = [0, 65, 69, 75]

    @Test func generatedHostileEventsNeverCrashAndRefusalsWriteNothing() throws {
        let scratch = try TestDatabase.scratch()
        defer { scratch.drop() }
        let migrated = try FunctionProcess.run(
            "puntos", arguments: ["migrate", "--dir", "migrations"],
            environment: ["DATABASE_URL": scratch.url, "PUNTOS_ADMIN_URL": scratch.url])
        #expect(migrated.exitCode == 0, "\(migrated.stderrText)")
        let environment = StoryTests.environment.merging([
            "DATABASE_URL": scratch.url.replacingOccurrences(of: "//postgres@", with: "//puntos_app@"),
            "PUNTOS_CONNECT_TIMEOUT_S": "5",
        ]) { $1 }
        for step in try StoryTests.story() {
            _ = try RedeliveryTests.play(step, environment: environment)
        }
        let admin = Database(configuration: PostgresConfiguration(url: scratch.url), logger: TestDatabase.logger)
        defer { admin.close() }
        let samples = try Self.samples()
        var generator = SplitMix64(seed: Self.seed)
        var exits: [Int32: Int] = [:]
        var before = try RedeliveryTests.snapshot(admin)
        for index in 0..<Self.count {
            let sample = samples[Int(generator.next() % UInt64(samples.count))]
            let (input, mutation) = Self.mutate(sample.object, using: &generator)
            let outcome = try FunctionProcess.run(sample.function, input: input, environment: environment)
            exits[outcome.exitCode, default: 0] += 1
            let label = "seed \(Self.seed) case \(index): \(sample.function) < \(sample.file) with \(mutation)"
            #expect(
                Self.allowedExits.contains(outcome.exitCode),
                "\(label) exited \(outcome.exitCode): \(outcome.stderrText.suffix(600)) input: \(String(decoding: input.prefix(400), as: UTF8.self))"
            )
            let after = try RedeliveryTests.snapshot(admin)
            if outcome.exitCode != 0 {
                let mayChange: Set<String> =
                    outcome.exitCode == 69 ? ["idempotency_keys", "delivery_attempts"] : ["delivery_attempts"]
                for (table, digest) in before where !mayChange.contains(table) {
                    #expect(after[table] == digest, "\(label) was refused (\(outcome.exitCode)) but changed \(table)")
                }
            }
            before = after
        }
        #expect(exits.values.reduce(0, +) == Self.count)
        print("fuzz: \(Self.count) cases from seed \(Self.seed); exits \(exits.sorted { $0.key < $1.key })")
    }

    /// Every sample event, with the function story.txt plays it with (examples: by their file's name).
    static func samples() throws -> [Sample] {
        let folder = FunctionProcess.projectRoot.appendingPathComponent("events")
        var functionOf: [String: String] = [:]
        for step in try StoryTests.story() { functionOf[step.file] = step.function }
        for file in try StoryTests.examples() { functionOf[file] = String(file.prefix { $0 != "." }) }
        return try functionOf.sorted { $0.key < $1.key }.map { file, function in
            let data = try Data(contentsOf: folder.appendingPathComponent(file))
            return Sample(function: function, file: file, object: try JSONSerialization.jsonObject(with: data))
        }
    }

    /// Hostile values a field may be given instead of its own.
    static var hostileValues: [Any] {
        [
            NSNull(), true, 0, -1, 2_147_483_648, Int64.max, 1e300, -1e-300, 0.1, "", " ", "\u{0}", "a\u{0}b",
            String(repeating: "e\u{301}", count: 300), String(repeating: "x", count: 10_000), "\u{202E}evil", "🧨",
            "'; DROP TABLE ledger_entries; --", "$1", "%s%n", "\u{7}\u{1B}[2J", "NaN", "-0", "1e309", "00012",
            "7789000000000036", "2026-02-30T25:61:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", [Any](),
            [String: Any](), ["kind": "issue"], [[String: Any]()],
        ]
    }

    /// One mutation of a sample: the bytes to send and what was done, for the failure message.
    static func mutate(_ object: Any, using generator: inout SplitMix64) -> (Data, String) {
        let choice = generator.next() % 10
        var value = object
        let description: String
        switch choice {
        case 0...4:
            let hostile = hostileValues[Int(generator.next() % UInt64(hostileValues.count))]
            let path = replaceRandomLeaf(&value, with: hostile, using: &generator)
            description = "\(path) = \(String(describing: hostile).prefix(40))"
        case 5:
            description = "removed " + removeRandomKey(&value, using: &generator)
        case 6:
            if var dictionary = value as? [String: Any] {
                dictionary["surplus_\(generator.next() % 100)"] = "x"
                value = dictionary
            }
            description = "an unknown field added"
        case 7:
            let kinds = [
                "issue", "invoice", "redeem", "hold", "commit", "balance", "sweep", "run", "stock", "waves", "price", "show",
                "nope", "",
            ]
            let kind = kinds[Int(generator.next() % UInt64(kinds.count))]
            if var dictionary = value as? [String: Any] {
                dictionary["kind"] = kind
                value = dictionary
            }
            description = "kind = \(kind)"
        default:
            var bytes = (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])) ?? Data("{}".utf8)
            if generator.next() % 2 == 0, bytes.count > 1 {
                bytes = bytes.prefix(Int(generator.next() % UInt64(bytes.count)))
                return (bytes, "truncated to \(bytes.count) bytes")
            }
            let at = Int(generator.next() % UInt64(bytes.count))
            let byte = UInt8(truncatingIfNeeded: generator.next())
            bytes[at] = byte
            return (bytes, "byte \(at) = \(byte)")
        }
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])) ?? Data("{}".utf8)
        return (data, description)
    }

    /// Replaces one leaf (or a whole member) at random; returns its path.
    static func replaceRandomLeaf(_ value: inout Any, with hostile: Any, using generator: inout SplitMix64) -> String {
        if var dictionary = value as? [String: Any], !dictionary.isEmpty {
            let keys = dictionary.keys.sorted()
            let key = keys[Int(generator.next() % UInt64(keys.count))]
            var member = dictionary[key]!
            let descend = (member is [String: Any] || member is [Any]) && generator.next() % 3 != 0
            let path = descend ? replaceRandomLeaf(&member, with: hostile, using: &generator) : ""
            dictionary[key] = descend ? member : hostile
            value = dictionary
            return key + (path.isEmpty ? "" : (path.hasPrefix("[") ? path : "." + path))
        }
        if var array = value as? [Any], !array.isEmpty {
            let index = Int(generator.next() % UInt64(array.count))
            var member = array[index]
            let descend = (member is [String: Any] || member is [Any]) && generator.next() % 3 != 0
            let path = descend ? replaceRandomLeaf(&member, with: hostile, using: &generator) : ""
            array[index] = descend ? member : hostile
            value = array
            return "[\(index)]" + (path.isEmpty ? "" : (path.hasPrefix("[") ? path : "." + path))
        }
        value = hostile
        return ""
    }

    static func removeRandomKey(_ value: inout Any, using generator: inout SplitMix64) -> String {
        guard var dictionary = value as? [String: Any], !dictionary.isEmpty else { return "nothing" }
        let keys = dictionary.keys.sorted()
        let key = keys[Int(generator.next() % UInt64(keys.count))]
        dictionary.removeValue(forKey: key)
        value = dictionary
        return key
    }
}
