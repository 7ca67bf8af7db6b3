import Foundation
import PuntosPostgres
import PuntosTestSupport
import Synchronization
import Testing

@Suite struct MigrationTests {
    var projectMigrations: String { FunctionProcess.projectRoot.appendingPathComponent("migrations").path }

    @Test func appliesInOrderOnceAndRecordsChecksums() throws {
        let scratch = try TestDatabase.scratch()
        defer { scratch.drop() }
        let database = Database(configuration: PostgresConfiguration(url: scratch.url), logger: TestDatabase.logger)
        defer { database.close() }
        let migrations = try Migrator.load(directory: projectMigrations)
        #expect(migrations.map(\.version) == migrations.map(\.version).sorted())
        let migrator = try Migrator(migrations: migrations, logger: TestDatabase.logger)
        let first = try migrator.migrate(database)
        #expect(first.applied.count == migrations.count)
        let second = try migrator.migrate(database)
        #expect(second.applied.isEmpty)
        #expect(second.alreadyApplied == migrations.count)
        let recorded = try database.withConnection {
            try $0.query("SELECT version, checksum FROM schema_migrations ORDER BY version").map {
                try $0.decode("version", as: Int.self)
            }
        }
        #expect(recorded == migrations.map(\.version))
    }

    /// Roles are the cluster's: databases migrated at the same moment change the same rows of the
    /// shared catalogs (pg_auth_members, pg_db_role_setting), which failed one of them with "tuple
    /// concurrently updated" before the migrator serialised migrations across the cluster. Here
    /// the statements of migrations/0050 that touch roles run from six databases at once, five times.
    @Test func databasesOfOneClusterMigrateAtTheSameTime() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(TestDatabase.unique("roles"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let roleStatements = """
            GRANT puntos_owner TO CURRENT_USER;
            ALTER ROLE puntos_app SET TimeZone = 'UTC';
            ALTER ROLE puntos_app SET DateStyle = 'ISO';

            """
        for version in 1...5 {
            try String(repeating: roleStatements, count: 20).write(
                to: directory.appendingPathComponent(String(format: "%04d_roles.sql", version)), atomically: true,
                encoding: .utf8)
        }
        let migrations = try Migrator.load(directory: directory.path)
        for _ in 0..<5 {
            let scratches = try (0..<6).map { _ in try TestDatabase.scratch() }
            defer { scratches.forEach { $0.drop() } }
            let urls = scratches.map(\.url)
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: urls.count) { index in
                let database = Database(
                    configuration: try! PostgresConfiguration(url: urls[index]), logger: TestDatabase.logger)
                defer { database.close() }
                do {
                    let report = try Migrator(migrations: migrations, logger: TestDatabase.logger).migrate(database)
                    if report.applied.count != migrations.count {
                        failures.withLock { $0.append("applied \(report.applied.count)") }
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 } == [])
        }
    }

    @Test func anEditedMigrationIsRefused() throws {
        let scratch = try TestDatabase.scratch()
        defer { scratch.drop() }
        let database = Database(configuration: PostgresConfiguration(url: scratch.url), logger: TestDatabase.logger)
        defer { database.close() }
        let original = Migration(version: 1, name: "things", sql: "CREATE TABLE things (id int)")
        try Migrator(migrations: [original], logger: TestDatabase.logger).migrate(database)
        let edited = Migration(version: 1, name: "things", sql: "CREATE TABLE things (id bigint)")
        #expect(throws: MigrationError.self) {
            try Migrator(migrations: [edited], logger: TestDatabase.logger).migrate(database)
        }
    }

    @Test func aFailingMigrationLeavesNothingBehindAndStopsTheRest() throws {
        let scratch = try TestDatabase.scratch()
        defer { scratch.drop() }
        let database = Database(configuration: PostgresConfiguration(url: scratch.url), logger: TestDatabase.logger)
        defer { database.close() }
        let migrations = [
            Migration(version: 1, name: "ok", sql: "CREATE TABLE a (id int)"),
            Migration(version: 2, name: "broken", sql: "CREATE TABLE b (id int); SELECT no_such_function()"),
            Migration(version: 3, name: "later", sql: "CREATE TABLE c (id int)"),
        ]
        #expect(throws: PostgresError.self) {
            try Migrator(migrations: migrations, logger: TestDatabase.logger).migrate(database)
        }
        let tables = try database.withConnection {
            try $0.query(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('a', 'b', 'c') ORDER BY 1"
            )
            .map { try $0.decode("tablename", as: String.self) }
        }
        #expect(tables == ["a"])
    }

    @Test func duplicateVersionsAndBadNamesAreRefused() throws {
        #expect(throws: MigrationError.self) {
            try Migrator(
                migrations: [Migration(version: 1, name: "a", sql: ""), Migration(version: 1, name: "b", sql: "")],
                logger: TestDatabase.logger)
        }
        #expect(Migration(fileName: "0007_add_things.sql", sql: "")?.version == 7)
        #expect(Migration(fileName: "add_things.sql", sql: "") == nil)
        #expect(Migration(fileName: "0007_add_things.txt", sql: "") == nil)
    }
}
