import PuntosPostgres

/// What a warm function checks before its first `next`, so that a deployment with a wrong database
/// setting fails at once with Lambda's `init/error` (shown by `aws lambda invoke` as the function's
/// init error) instead of answering every event with an error.
///
/// Only a setting that cannot work is an init error: an unparsable `DATABASE_URL`, an unknown host,
/// role or database, a refused password or `pg_hba.conf` entry. A server that is down or slow is
/// not: the function starts and answers each event `temporary` (503, safe to retry), and connects
/// again on the next event, so that a database restart does not turn into a fleet of failed inits.
enum WarmStart {
    static func checkDatabase(_ database: Database) -> FunctionError? {
        do {
            _ = try database.connect()
            return nil
        } catch let error as PostgresError {
            guard isWrongSetting(error.message) else { return nil }
            return FunctionError(
                .configuration, code: .databaseMisconfigured,
                message: "the database settings cannot work: \(error.message)")
        } catch {
            return nil
        }
    }

    /// libpq's wording for settings that no retry will fix (PostgreSQL 13 to 17).
    static func isWrongSetting(_ message: String) -> Bool {
        let markers = [
            "invalid URI", "invalid connection option", "missing \"=\"", "invalid integer value", "invalid port",
            "invalid sslmode", "could not translate host name", "password authentication failed",
            "authentication failed", "no pg_hba.conf entry", "does not exist", "no password supplied",
        ]
        return markers.contains { message.contains($0) }
    }
}
