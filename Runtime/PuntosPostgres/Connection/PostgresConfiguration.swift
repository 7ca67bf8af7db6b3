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
///   second: libpq's own `connect_timeout` would round anything under 2 s up to 2 s;
/// - `PUNTOS_DB_POOLER=transaction`: the server is reached through a pooler in transaction mode
///   (PgBouncer `pool_mode = transaction`, RDS Proxy), which may hand each transaction to another
///   server connection: see `transactionPooler`.
public struct PostgresConfiguration: Sendable {
    /// A connection URI or `key=value` string; nil leaves everything to the `PG*` variables.
    public var url: String?
    public var statementTimeoutMilliseconds: Int
    public var connectTimeoutSeconds: Double
    public var applicationName: String
    /// Behind a transaction-mode pooler: no named prepared statements (PgBouncer before 1.21 cannot
    /// track them, and RDS Proxy pins a session that uses them), no `options` startup parameter
    /// (PgBouncer refuses it); the session settings are sent with `SET LOCAL` in every transaction.
    public var transactionPooler = false
    /// Every statement planned for its own parameter values (`plan_cache_mode = force_custom_plan`, a
    /// startup option like `statement_timeout`, so a reconnected connection has it too): for connections
    /// whose statements' best plans change with the data by the second (the queue consumers' claim).
    /// Not sent behind a transaction pooler, where statements are never prepared: an unnamed statement
    /// is always planned for its values.
    public var forceCustomPlans = false

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
        configuration.transactionPooler = environment["PUNTOS_DB_POOLER"] == "transaction"
        // deploy.yaml's DatabaseProxyUrl: the same database through RDS Proxy or PgBouncer.
        if let pooler = environment["PUNTOS_POOLER_URL"], !pooler.isEmpty {
            configuration.url = pooler
            configuration.transactionPooler = true
        }
        return configuration
    }

    /// Where the configuration came from, for error messages (never the password).
    var sourceDescription: String { url == nil ? "the PG* environment variables" : "DATABASE_URL" }
}
