import Foundation
import Logging
import PuntosImport
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

extension ImportTests {
    /// The import's three connections (the one that prepares batches and the two that write them) killed
    /// while it runs: the run either stops with a temporary error (exit 75) or carries on over new
    /// connections, and never hangs; a rerun then applies the rest, and nothing is lost or doubled.
    @Test func killingTheImportsConnectionsLosesAndDoublesNothing() throws {
        let f = try ImportFixture()
        let cards = try (0..<8).map { _ in try f.ledger.card(agreementDaysAgo: 30) }
        let count = 3000
        let path = try f.file(
            "crash.jsonl",
            (0..<count).map { n in
                ImportFixture.invoice(
                    card: cards[n % cards.count], number: "K-\(n)", date: .daysAgo(1 + Double(n % 20)),
                    lines: [("SKU-\(n % 7)", "B", 1, "\(10 + n % 13).50")])
            })
        var configuration = f.ledger.database.configuration
        configuration.applicationName = TestDatabase.unique("import-crash")
        let importing = Database(configuration: configuration, logger: Logger(label: "test.import.crash"))
        defer { importing.close() }

        let finished = DispatchSemaphore(value: 0)
        let outcome = RunOutcome<Result<ImportSummary, any Error>>()
        let runner = Thread {
            outcome.value = Result {
                try ImportCommand.run(
                    kind: "invoices", file: path, programme: f.programme, batch: 50, database: importing)
            }
            finished.signal()
        }
        runner.stackSize = 8 << 20
        runner.start()
        // Once some batches are in, kill every connection of the run.
        let watcher = try TestDatabase.make()
        defer { watcher.close() }
        var killed = 0
        for _ in 0..<400 where killed == 0 {
            let written: Int = try watcher.withConnection {
                try $0.query("SELECT count(*)::int AS n FROM invoices WHERE programme_id = \(f.programme)").one().decode("n")
            }
            if written > 0 {
                killed = try watcher.withConnection {
                    try $0.query(
                        """
                        SELECT count(*)::int AS n FROM (
                            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                            WHERE application_name = \(configuration.applicationName)) t
                        """
                    ).one().decode("n")
                }
            } else {
                usleep(10_000)
            }
        }
        #expect(killed > 0, "the run's connections were never seen")
        #expect(finished.wait(timeout: .now() + 120) == .success, "the import did not stop or finish")
        switch try #require(outcome.value) {
        case .success(let summary):
            #expect(summary.accepted + summary.skipped == count)
        case .failure(let error):
            #expect(FunctionError(converting: error).exitCode == 75, "\(error)")
        }
        let rerun = try f.run("invoices", path, batch: 50)
        #expect(rerun.rejected == 0)
        #expect(rerun.accepted + rerun.skipped == count)
        let invoices: [Int] = try f.query(
            "SELECT count(*)::int AS n FROM invoices WHERE programme_id = \(f.programme) AND number LIKE 'K-%'", "n")
        #expect(invoices == [count])
        let entries: [Int] = try f.query(
            "SELECT count(*)::int AS n FROM ledger_entries WHERE programme_id = \(f.programme) AND kind = 'accrual'", "n")
        #expect(entries == [count])
        try f.ledger.checkInvariants(notices: false)
    }
}

/// A value one thread sets and another reads after a semaphore says it is set.
private final class RunOutcome<Value>: @unchecked Sendable {
    var value: Value?
}
