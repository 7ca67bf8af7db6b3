import FoundationEssentials

/// How to reach PostgreSQL.
///
/// Read from the environment by `fromEnvironment()`:
/// - `DATABASE_URL` (`postgresql://user:pass@host:port/db?sslmode=...`), else libpq's own `PGHOST`,
///   `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE` and the rest;
/// - `PUNTOS_STATEMENT_TIMEOUT_MS` (Int, default 5000): the longest a statement may run;
/// - `PUNTOS_CONNECT_TIMEOUT_S` (seconds, fractions allowed, default 3): how long to wait for the
///   server before giving up, so that a checkout hears "loyalty is down" quickly instead of hanging.
///   Enforced by Puntos itself (a non-blocking connect with a deadline), so `0.5` means half a
///   second: libpq's own `connect_timeout` would round anything under 2 s up to 2 s.
public struct PostgresConfiguration: Sendable {
    /// A connection URI or `key=value` string; nil leaves everything to the `PG*` variables.
    public var url: String?
    public var statementTimeoutMilliseconds: Int
    public var connectTimeoutSeconds: Double
    public var applicationName: String

    public init(
        url: String? = nil, statementTimeoutMilliseconds: Int = 5000, connectTimeoutSeconds: Double = 3,
        applicationName: String = "puntos"
    ) {
        self.url = url
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.applicationName = applicationName
    }

    public static func fromEnvironment(
        applicationName: String = "puntos",
        environment: Environment = .process
    ) -> PostgresConfiguration {
        var configuration = PostgresConfiguration(applicationName: applicationName)
        if let url = environment["DATABASE_URL"], !url.isEmpty { configuration.url = url }
        if let value = environment["PUNTOS_STATEMENT_TIMEOUT_MS"].flatMap(Int.init), value >= 0 {
            configuration.statementTimeoutMilliseconds = value
        }
        if let value = environment["PUNTOS_CONNECT_TIMEOUT_S"].flatMap(Double.init), value > 0, value.isFinite {
            configuration.connectTimeoutSeconds = value
        }
        return configuration
    }

    /// Where the configuration came from, for error messages (never the password).
    var sourceDescription: String { url == nil ? "the PG* environment variables" : "DATABASE_URL" }
}
