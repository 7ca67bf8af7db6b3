import FoundationEssentials
package import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// Creating a programme, the checks a change needs the database for, and its versions
/// (`programme_versions`, migration 0140).
extension ProgrammeSettingsStore {
    /// Creates the programme when there is none under `id` (name and currency required then);
    /// true when this call created it. Its settings follow in `update`, its first version after.
    package func create(_ id: String, _ e: ConfigureEvent.Settings) throws -> Bool {
        guard try connection.query("SELECT 1 AS found FROM programmes WHERE id = \(id)").isEmpty else { return false }
        guard let name = e.name else {
            throw FunctionError.badInput(.missingField, field: "name", "a new programme needs a name and a currency")
        }
        guard let currency = e.currency else {
            throw FunctionError.badInput(.missingField, field: "currency", "a new programme needs a name and a currency")
        }
        return try !connection.query(
            """
            INSERT INTO programmes (id, name, currency) VALUES (\(id), \(name), \(currency))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """
        ).isEmpty
    }

    /// Refuses a time-zone name the database does not know (`invalid_value`, field `time_zone`).
    package func checkTimeZone(_ name: String?) throws {
        guard let name else { return }
        let known: Bool = try connection.query(
            "SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = \(name)) AS known"
        ).one().decode("known")
        guard known else {
            throw FunctionError.badInput(
                .invalidValue, field: "time_zone", "time_zone \(name) is not an IANA time-zone name (such as Europe/Moscow)")
        }
    }

    /// The currency stays once amounts were recorded in it: an invoice or a ledger entry (whose points
    /// were earned, held and valued in it) refuses a change with `currency_in_use`.
    package func checkCurrency(_ currency: String?, of programme: Programme) throws {
        guard let currency, currency != programme.currency else { return }
        let used: Bool = try connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM invoices WHERE programme_id = \(programme.id))
                OR EXISTS (SELECT 1 FROM ledger_entries WHERE programme_id = \(programme.id)) AS used
            """
        ).one().decode("used")
        guard !used else {
            throw FunctionError.refused(
                .currencyInUse, field: "currency",
                "programme \(programme.id) has invoices and points in \(programme.currency); its currency cannot change")
        }
    }

    /// Records the programme's settings as its next version when they changed; the version in force.
    package func recordVersion(_ id: String) throws -> Int {
        try connection.query("SELECT puntos_record_programme_version(\(id)) AS version").one().decode("version")
    }
}
