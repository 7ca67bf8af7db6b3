// Warm ledger benchmark: each worker thread keeps its own Database (one persistent connection) and
// calls the `accrue` handler in a loop, as a warm Lambda worker would; and the latency of a
// statement page on a card with many entries.
//
//   bench-ledger accrue WORKERS SECONDS
//   bench-ledger statement ENTRIES CALLS
//   bench-ledger cards COUNT          (prints COUNT new card numbers with the agreement accepted, one a line)
//   bench-ledger accrue-file FILE WORKERS LIMIT   (the first LIMIT invoices of a JSON-lines file through
//                                                  `accrue` one by one, WORKERS warm workers taking turns)
import Foundation
import Logging
import PuntosCards
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRuntime

let logger = Logger(label: "bench")
let url = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
func database() -> Database {
    Database(
        configuration: PostgresConfiguration(url: url, statementTimeoutMilliseconds: 300_000, applicationName: "bench-ledger"),
        logger: logger)
}
func context(_ db: Database) -> FunctionContext { FunctionContext.make(database: db, logger: logger) }

/// A new customer with a printed card and the agreement, on the default programme.
func newCard(_ db: Database) throws -> String {
    let number = CardNumber.generate(prefix: "8", length: 16).digits
    let external = "B-" + UUID().uuidString.prefix(12)
    let link = #"{"kind":"link","card_number":"\#(number)","customer":{"external_id":"\#(external)"}}"#
    _ = try RegisterCard().handle(try EventDecoding.decode(RegisterCardEvent.self, from: Data(link.utf8)), context: context(db))
    let accept = #"{"kind":"accept_agreement","card_number":"\#(number)","version":"v1","accepted_at":"2026-01-01T00:00:00Z"}"#
    _ = try RegisterCard().handle(try EventDecoding.decode(RegisterCardEvent.self, from: Data(accept.utf8)), context: context(db))
    return number
}

final class Counter: @unchecked Sendable {
    let lock = NSLock()
    var total = 0
    var failures = 0
    func add(_ n: Int, _ f: Int) {
        lock.withLock {
            total += n; failures += f
        }
    }
}

let arguments = CommandLine.arguments
switch arguments.count > 1 ? arguments[1] : "" {
case "accrue":
    let workers = Int(arguments[2])!, seconds = Double(arguments[3])!
    let counter = Counter()
    let run = UUID().uuidString.prefix(8)
    let group = DispatchGroup()
    for worker in 0..<workers {
        group.enter()
        Thread {
            defer { group.leave() }
            let db = database()
            guard let card = try? newCard(db) else { counter.add(0, 1); return }
            var done = 0, failed = 0
            let end = Date().addingTimeInterval(seconds)
            while Date() < end {
                let event =
                    #"{"kind":"invoice","card_number":"\#(card)","number":"BENCH-\#(run)-\#(worker)-\#(done + failed)","order_number":"O-\#(done)","date":"2026-06-01T10:00:00Z","currency":"USD","lines":[{"sku":"SKU-1","brand":"Acme","quantity":2,"amount":19.99},{"sku":"SKU-2","quantity":1,"amount":5.50}]}"#
                do {
                    _ = try Accrue().handle(
                        try EventDecoding.decode(AccrueEvent.self, from: Data(event.utf8)), context: context(db))
                    done += 1
                } catch { failed += 1 }
            }
            counter.add(done, failed)
        }.start()
    }
    group.wait()
    print(String(format: "accrue workers=%d tps=%.0f failures=%d", workers, Double(counter.total) / seconds, counter.failures))
case "statement":
    let entries = Int(arguments[2])!, calls = Int(arguments[3])!
    let db = database()
    let card = try newCard(db)
    // Fill the card's ledger with adjustments, set-based: the per-entry trigger is switched off for
    // the bulk load and the balance set once to the sum, as the trigger would have left it.
    try db.withTransaction { connection in
        try connection.runScript("SET LOCAL session_replication_role = replica")
        try connection.query(
            """
            INSERT INTO ledger_entries (programme_id, customer_id, card_number, kind, available_delta, invoice_number, order_number,
                                        reason, source)
            SELECT 'default', c.customer_id, c.number, 'adjustment', 0 * g + 1, 'INV-' || g, 'ORD-' || g, 'bench', 'bench'
            FROM cards c, generate_series(1, \(entries)) g WHERE c.number = \(card)
            """)
        try connection.query(
            """
            INSERT INTO lots (customer_id, points, remaining, activates_at, active)
            SELECT customer_id, \(Int64(entries)), \(Int64(entries)), now(), true FROM cards WHERE number = \(card)
            """)
        try connection.query(
            """
            INSERT INTO accounts (customer_id, programme_id, available)
            SELECT customer_id, 'default', \(Int64(entries)) FROM cards WHERE number = \(card)
            ON CONFLICT (customer_id) DO UPDATE SET available = accounts.available + EXCLUDED.available
            """)
    }
    try db.withConnection { try $0.runScript("ANALYZE ledger_entries") }
    var latencies: [Double] = []
    var cursor: String?
    for index in 0..<calls {
        let cursorField = cursor.map { #","cursor":"\#($0)""# } ?? ""
        let event = #"{"kind":"statement","card_number":"\#(card)","limit":50\#(cursorField)}"#
        let started = DispatchTime.now().uptimeNanoseconds
        let result = try Balance().handle(
            try EventDecoding.decode(BalanceEvent.self, from: Data(event.utf8)), context: context(db))
        latencies.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
        precondition(result.entries?.count == 50)
        // Walk pages: every tenth call starts again at the newest page.
        cursor = index % 10 == 9 ? nil : result.nextCursor
    }
    latencies.sort()
    print(
        String(
            format: "statement entries=%d page=50 calls=%d median_ms=%.2f p95_ms=%.2f", entries, calls,
            latencies[latencies.count / 2], latencies[latencies.count * 95 / 100]))
case "accrue-file":
    let lines = try String(contentsOfFile: arguments[2], encoding: .utf8).split(separator: "\n").prefix(Int(arguments[4])!)
    let workers = Int(arguments[3])!
    let counter = Counter()
    let group = DispatchGroup()
    let started = Date()
    for worker in 0..<workers {
        group.enter()
        Thread {
            defer { group.leave() }
            let db = database()
            var done = 0, failed = 0
            for index in stride(from: worker, to: lines.count, by: workers) {
                let event = #"{"kind":"invoice","# + lines[lines.startIndex + index].dropFirst()
                do {
                    _ = try Accrue().handle(
                        try EventDecoding.decode(AccrueEvent.self, from: Data(event.utf8)), context: context(db))
                    done += 1
                } catch { failed += 1 }
            }
            counter.add(done, failed)
        }.start()
    }
    group.wait()
    let seconds = Date().timeIntervalSince(started)
    print(
        String(
            format: "accrue-file workers=%d invoices=%d seconds=%.2f rate=%.0f failures=%d", workers, counter.total, seconds,
            Double(counter.total) / seconds, counter.failures))
case "cards":
    let db = database()
    for _ in 0..<Int(arguments[2])! { print(try newCard(db)) }
default:
    print("usage: bench-ledger accrue WORKERS SECONDS | statement ENTRIES CALLS | cards COUNT | accrue-file FILE WORKERS LIMIT")
}
