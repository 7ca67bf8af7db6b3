// Warm `buy_reward` benchmark: each worker thread keeps its own Database (one persistent
// connection) and buys a reward in a loop through the `rewards` handler, as a warm Lambda worker
// would: one ledger redemption, one coupon, one stock update, one notice per purchase.
//
//   bench-rewards buy WORKERS SECONDS
//   bench-rewards race BUYERS           (BUYERS buyers of the last unit at once: prints winners and time)
import Foundation
import Logging
import PuntosCards
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRewards
import PuntosRuntime

let logger = Logger(label: "bench")
let url = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
func database() -> Database {
    Database(
        configuration: PostgresConfiguration(url: url, statementTimeoutMilliseconds: 300_000, applicationName: "bench-rewards"),
        logger: logger)
}
func context(_ db: Database) -> FunctionContext { FunctionContext.make(database: db, logger: logger) }
func rewards(_ db: Database, _ event: String) throws -> RewardsResult {
    try Rewards().handle(try EventDecoding.decode(RewardsEvent.self, from: Data(event.utf8)), context: context(db))
}

/// A new customer with a printed card, the agreement and `points` points, on the default programme.
func newCard(_ db: Database, points: Int) throws -> String {
    let number = CardNumber.generate(prefix: "8", length: 16).digits
    let external = "R-" + UUID().uuidString.prefix(12)
    let link = #"{"kind":"link","card_number":"\#(number)","customer":{"external_id":"\#(external)"}}"#
    _ = try RegisterCard().handle(try EventDecoding.decode(RegisterCardEvent.self, from: Data(link.utf8)), context: context(db))
    let adjust =
        #"{"kind":"adjust","idempotency_key":"bench-\#(number)","card_number":"\#(number)","points":\#(points),"reason":"bench"}"#
    _ = try Accrue().handle(try EventDecoding.decode(AccrueEvent.self, from: Data(adjust.utf8)), context: context(db))
    return number
}

final class Counter: @unchecked Sendable {
    let lock = NSLock()
    var total = 0
    var failures = 0
    func add(_ n: Int, _ f: Int) {
        lock.withLock {
            total += n
            failures += f
        }
    }
}

let arguments = CommandLine.arguments
let run = UUID().uuidString.prefix(8).lowercased()
switch arguments.count > 1 ? arguments[1] : "" {
case "buy":
    let workers = Int(arguments[2])!, seconds = Double(arguments[3])!
    _ = try rewards(
        database(),
        #"{"kind":"reward","code":"BENCH-\#(run)","name":"bench","type":"amount_off","amount":"1","price_points":1,"valid_days":30}"#
    )
    let counter = Counter()
    let group = DispatchGroup()
    for worker in 0..<workers {
        group.enter()
        Thread {
            defer { group.leave() }
            let db = database()
            guard let card = try? newCard(db, points: 100_000_000) else { return counter.add(0, 1) }
            var done = 0, failed = 0
            let end = Date().addingTimeInterval(seconds)
            while Date() < end {
                let event =
                    #"{"kind":"buy_reward","idempotency_key":"b-\#(run)-\#(worker)-\#(done + failed)","card_number":"\#(card)","code":"BENCH-\#(run)"}"#
                do {
                    _ = try rewards(db, event)
                    done += 1
                } catch { failed += 1 }
            }
            counter.add(done, failed)
        }.start()
    }
    group.wait()
    print(
        String(format: "buy_reward workers=%d tps=%.0f failures=%d", workers, Double(counter.total) / seconds, counter.failures))
case "race":
    let buyers = Int(arguments[2])!
    let db = database()
    _ = try rewards(
        db,
        #"{"kind":"reward","code":"LAST-\#(run)","name":"last","type":"amount_off","amount":"1","price_points":100,"valid_days":30,"stock_total":1}"#
    )
    let cards = try (0..<buyers).map { _ in try newCard(db, points: 150) }
    let counter = Counter()
    let group = DispatchGroup()
    let start = Date()
    for card in cards {
        group.enter()
        Thread {
            defer { group.leave() }
            let own = database()
            do {
                _ = try rewards(
                    own, #"{"kind":"buy_reward","idempotency_key":"r-\#(card)","card_number":"\#(card)","code":"LAST-\#(run)"}"#)
                counter.add(1, 0)
            } catch { counter.add(0, 1) }
        }.start()
    }
    group.wait()
    print(
        String(
            format: "race buyers=%d winners=%d refused=%d seconds=%.3f", buyers, counter.total, counter.failures,
            Date().timeIntervalSince(start)))
default:
    print("usage: bench-rewards buy WORKERS SECONDS | race BUYERS")
    exit(64)
}
