import ArgumentParser
import Foundation
import Logging
import PuntosPostgres
import PuntosRuntime

/// `puntos migrate`: applies the SQL files in `migrations/` that the database has not seen.
struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply new schema migrations (PUNTOS_ADMIN_URL, else DATABASE_URL or PG* variables, say where).")

    @Option(help: "The folder of NNNN_name.sql files.")
    var dir: String = Migrate.defaultDirectory

    /// `migrations/` beside the current directory, else the one in the source tree this binary was built from.
    static var defaultDirectory: String {
        if let fromEnvironment = ProcessInfo.processInfo.environment["PUNTOS_MIGRATIONS"] { return fromEnvironment }
        if FileManager.default.fileExists(atPath: "migrations") { return "migrations" }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("migrations").path
    }

    func run() throws {
        JSONLogHandler.bootstrap(function: "puntos")
        let logger = Logger(label: "puntos.migrate")
        // The owner's or superuser's URL (migrations/0050_roles.sql): PUNTOS_ADMIN_URL, else DATABASE_URL.
        var configuration = PostgresConfiguration.fromEnvironment(applicationName: "puntos migrate")
        if let admin = ProcessInfo.processInfo.environment["PUNTOS_ADMIN_URL"], !admin.isEmpty { configuration.url = admin }
        let database = Database(configuration: configuration, logger: logger)
        defer { database.close() }
        do {
            let migrator = try Migrator(migrations: try Migrator.load(directory: dir), logger: logger)
            let report = try migrator.migrate(database)
            for migration in report.applied {
                print("applied \(String(format: "%04d", migration.version)) \(migration.name)")
            }
            print("\(report.applied.count) applied, \(report.alreadyApplied) already applied")
        } catch let error as PostgresError where error.isTemporary {
            FileHandle.standardError.write(Data("puntos migrate: \(error.message)\n".utf8))
            throw ExitCode(75)
        } catch let error as PostgresError {
            FileHandle.standardError.write(Data("puntos migrate: \(error.debugDescription)\n".utf8))
            throw ExitCode(70)
        } catch let error as MigrationError {
            FileHandle.standardError.write(Data("puntos migrate: \(error)\n".utf8))
            throw ExitCode(65)
        }
    }
}
