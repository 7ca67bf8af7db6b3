import FoundationEssentials
public import Logging

/// Applies versioned SQL files in order, each in its own transaction, and records each with a checksum.
///
/// Running it again applies only what is new. A migration whose text changed after it was applied is
/// refused: history is fixed by a new migration, never by editing an old one.
public struct Migrator: Sendable {
    public struct Report: Sendable, Equatable {
        public var applied: [Migration.Summary] = []
        public var alreadyApplied: Int = 0
    }

    public let migrations: [Migration]
    private let logger: Logger

    public init(migrations: [Migration], logger: Logger) throws {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw MigrationError("two migrations have version \(next.version): \(previous.name) and \(next.name)")
        }
        self.migrations = sorted
        self.logger = logger
    }

    /// Reads every `NNNN_name.sql` file in `directory`.
    public static func load(directory: String) throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw MigrationError("cannot read the migrations folder \(directory): \(error)")
        }
        return try names.sorted().compactMap { name in
            guard name.hasSuffix(".sql") else { return nil }
            guard let data = FileManager.default.contents(atPath: directory + "/" + name),
                let text = String(data: data, encoding: .utf8)
            else {
                throw MigrationError("cannot read \(directory)/\(name) as UTF-8 text")
            }
            guard let migration = Migration(fileName: name, sql: text) else {
                throw MigrationError("\(name) is not named NNNN_description.sql")
            }
            return migration
        }
    }

    @discardableResult
    public func migrate(_ database: Database) throws -> Report {
        try database.withConnection { connection in
            try connection.runScript(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
        }
        var report = Report()
        for migration in migrations {
            let applied = try database.withTransaction { connection -> Bool in
                // One migrator at a time: a second one waits here, then sees the work done.
                try connection.runScript("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
                let checksum: String = try connection.query(migration.checksumSQL).one().decode("checksum")
                let existing = try connection.query(
                    "SELECT name, checksum FROM schema_migrations WHERE version = \(migration.version)")
                if let row = existing.first {
                    let recorded: String = try row.decode("checksum")
                    guard recorded == checksum else {
                        throw MigrationError(
                            "migration \(migration.version) (\(migration.name)) was changed after it was applied: "
                                + "its checksum is \(checksum.prefix(12))…, the database recorded \(recorded.prefix(12))…. "
                                + "Restore the original file and put the change in a new migration.")
                    }
                    return false
                }
                // Roles and their memberships belong to the cluster: two databases migrated at once
                // (tests, a staging copy) would both change pg_authid and pg_auth_members and one
                // would fail with "tuple concurrently updated". A lock on those shared catalogs
                // serialises migrations across the cluster; a runner that may not take it (RDS's
                // master user) goes on without it.
                try connection.runScript(
                    """
                    DO $$ BEGIN
                        LOCK TABLE pg_catalog.pg_authid, pg_catalog.pg_auth_members IN SHARE ROW EXCLUSIVE MODE;
                    EXCEPTION WHEN insufficient_privilege THEN NULL;
                    END $$
                    """)
                try connection.runScript(migration.sql)
                try connection.query(
                    """
                    INSERT INTO schema_migrations (version, name, checksum)
                    VALUES (\(migration.version), \(migration.name), \(checksum))
                    """)
                return true
            }
            if applied {
                logger.info(
                    "migration.applied",
                    metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"])
                report.applied.append(migration.summary)
            } else {
                report.alreadyApplied += 1
            }
        }
        return report
    }
}

extension Migration {
    public struct Summary: Sendable, Equatable {
        public let version: Int
        public let name: String
    }

    var summary: Summary { Summary(version: version, name: name) }
}

public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
