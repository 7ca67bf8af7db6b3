import PuntosPostgres

/// The session's staging tables: temporary (this connection's own, gone when it closes), emptied before
/// each batch is copied in with `COPY … FROM STDIN`, then read by the set-based statements that apply it.
struct StagingStore {
    let connection: PostgresConnection

    /// Creates the staging tables (if this connection has none yet) and turns JIT compilation off for
    /// the session: the set-based statements read CTEs whose sizes the planner cannot know, so their
    /// estimated cost passes `jit_above_cost` and PostgreSQL spent about 2.3 s compiling each 5,000-row
    /// batch's insert, which then ran in under a second (bench/import, auto_explain).
    func create() throws {
        try connection.runScript(
            """
            SET jit = off;
            CREATE TEMP TABLE IF NOT EXISTS import_refs (
                line int NOT NULL, number text, card_number text, external_id text);
            CREATE TEMP TABLE IF NOT EXISTS import_customers (
                line int NOT NULL, external_id text, email text, phone text, name text, locale text);
            CREATE TEMP TABLE IF NOT EXISTS import_cards (
                line int NOT NULL, card_number text NOT NULL, customer_id bigint NOT NULL, issued_at timestamptz,
                version text, accepted_at timestamptz, origin text NOT NULL);
            CREATE TEMP TABLE IF NOT EXISTS import_invoices (
                line int NOT NULL, number text NOT NULL, order_number text, customer_id bigint NOT NULL,
                card_number text NOT NULL, channel text NOT NULL, region text, invoiced_at timestamptz NOT NULL,
                currency text NOT NULL, status text NOT NULL, points bigint NOT NULL, lines jsonb NOT NULL,
                rule jsonb NOT NULL, activates_at timestamptz NOT NULL, active boolean NOT NULL, expires_at timestamptz,
                expired boolean NOT NULL, expire_now boolean NOT NULL, origin text NOT NULL);
            CREATE TEMP TABLE IF NOT EXISTS import_credits (
                line int NOT NULL, key text NOT NULL, customer_id bigint NOT NULL, card_number text NOT NULL,
                points bigint NOT NULL, reason text NOT NULL, at timestamptz NOT NULL, expires_at timestamptz,
                expired boolean NOT NULL, request jsonb NOT NULL, origin text NOT NULL)
            """)
    }

    /// Gives the planner the staged batch's statistics (a temporary table has none until analysed): the
    /// statements that apply a batch then join it by hash, not row by row. `target` is a table, or a
    /// table with the columns the statements join on: analysing `import_invoices`' JSON columns as well
    /// cost a fifth of a second a batch.
    func analyze(_ target: StaticString) throws {
        try connection.runScript("ANALYZE \(target)")
    }

    /// Empties the staging table `table` (one of the names above, spelt by the caller's literal).
    func empty(_ table: StaticString) throws {
        try connection.runScript("TRUNCATE \(table)")
    }
}
