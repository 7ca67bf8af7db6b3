import Foundation
import PuntosPostgres
import PuntosTestSupport
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
