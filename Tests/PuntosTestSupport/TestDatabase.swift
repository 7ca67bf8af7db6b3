public import Foundation
public import Logging
public import PuntosPostgres
public import PuntosRuntime

/// The PostgreSQL that `scripts/test` started, reached through `DATABASE_URL`.
///
/// There is no skipping: without a database every test that needs one fails, saying how to run it.
public enum TestDatabase {
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public static let logger = Logger(label: "test")

    /// The test database's URL, or an error telling the reader to run `scripts/test`.
    public static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw Missing(description: "DATABASE_URL is not set: run the tests with scripts/test, which starts PostgreSQL")
        }
        return url
    }

    /// A `Database` on the migrated test database; fails the test if it cannot connect.
    public static func make(statementTimeoutMilliseconds: Int = 10_000) throws -> Database {
        var configuration = PostgresConfiguration(
            url: try url(), statementTimeoutMilliseconds: statementTimeoutMilliseconds, applicationName: "puntos-tests")
        // Through PgBouncer in transaction mode (scripts/test's second pass), as the functions are.
        configuration.transactionPooler = ProcessInfo.processInfo.environment["PUNTOS_DB_POOLER"] == "transaction"
        let database = Database(configuration: configuration, logger: logger)
        _ = try database.connect()
        return database
    }

    /// A `Database` on the test database as the superuser (`PUNTOS_TEST_ADMIN_URL`'s role), for what the
    /// application role may not do: DDL, and proving a trigger that the grants already stand before.
    public static func admin() throws -> Database {
        guard let adminURL = ProcessInfo.processInfo.environment["PUNTOS_TEST_ADMIN_URL"],
            var components = URLComponents(string: adminURL), let test = URLComponents(string: try url())
        else { throw Missing(description: "PUNTOS_TEST_ADMIN_URL is not set: run the tests with scripts/test") }
        components.path = test.path
        let database = Database(
            configuration: PostgresConfiguration(url: components.string!, applicationName: "puntos-tests-admin"),
            logger: logger)
        _ = try database.connect()
        return database
    }

    /// A function context on a fresh connection to the test database.
    public static func context(now: Date = Date()) throws -> FunctionContext {
        FunctionContext.make(database: try make(), logger: logger, now: now)
    }

    /// A new, empty database for tests that need a schema of their own (migrations); dropped by `drop`.
    public static func scratch() throws -> (url: String, drop: () -> Void) {
        guard let adminURL = ProcessInfo.processInfo.environment["PUNTOS_TEST_ADMIN_URL"] else {
            throw Missing(description: "PUNTOS_TEST_ADMIN_URL is not set: run the tests with scripts/test")
        }
        // The name is made here from random hex digits, never from input, so it may be spelt into SQL.
        let name = "puntos_scratch_" + UUID().uuidString.lowercased().filter { $0 != "-" }.prefix(16)
        let admin = try PostgresConnection(configuration: PostgresConfiguration(url: adminURL), logger: logger)
        try admin.runScript("CREATE DATABASE \(name)")
        admin.close()
        var components = URLComponents(string: adminURL)!
        components.path = "/\(name)"
        return (
            components.string!,
            {
                guard let admin = try? PostgresConnection(configuration: PostgresConfiguration(url: adminURL), logger: logger)
                else { return }
                try? admin.runScript("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                admin.close()
            }
        )
    }

    /// A unique suffix for test data, so that tests running in parallel never share customers or cards.
    public static func unique(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.lowercased().prefix(12))"
    }
}
