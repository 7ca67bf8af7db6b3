import PuntosPostgres
import PuntosTestSupport
import Testing

/// The functions connect as `puntos_app` (migrations/0050_roles.sql), which cannot rewrite history:
/// no TRUNCATE, UPDATE or DELETE on the ledger, and no superuser tricks past the append-only triggers.
@Suite struct DatabaseRoleTests {
    /// Runs `sql` as the test's application role and returns the SQLSTATE it was refused with.
    func refusal(_ sql: String) throws -> String? {
        let database = try TestDatabase.make()
        defer { database.close() }
        do {
            try database.withConnection { try $0.runScript(sql) }
            return nil
        } catch let error as PostgresError {
            return error.sqlState?.code
        }
    }

    @Test func theTestsRunAsTheApplicationRole() throws {
        let database = try TestDatabase.make()
        defer { database.close() }
        let row = try database.withConnection {
            try $0.query("SELECT current_user AS name, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").one()
        }
        #expect(try row.decode("name") as String == "puntos_app")
        #expect(try row.decode("rolsuper") as Bool == false)
        #expect(try row.decode("rolbypassrls") as Bool == false)
    }

    /// Each append-only table with a column an UPDATE could set.
    static let appendOnly = [
        ("ledger_entries", "kind"), ("lot_draws", "points"), ("card_events", "kind"), ("agreements", "version"),
        ("delivery_attempts", "attempt"), ("programme_versions", "settings"), ("segment_rules", "segment"),
        ("member_merges", "summary"),
        ("payout_events", "kind"), ("payout_attempts", "outcome"), ("promotion_grants", "granted"),
    ]

    @Test(arguments: appendOnly)
    func theLedgerCannotBeRewritten(table: String, column: String) throws {
        // 42501 insufficient_privilege: refused by the grants, before any trigger is reached.
        #expect(try refusal("TRUNCATE \(table)") == "42501")
        #expect(try refusal("UPDATE \(table) SET \(column) = \(column) WHERE false") == "42501")
        #expect(try refusal("DELETE FROM \(table) WHERE false") == "42501")
    }

    @Test func noTableCanBeTruncatedOrAltered() throws {
        #expect(try refusal("TRUNCATE customers") == "42501")
        #expect(try refusal("TRUNCATE accounts, lots") == "42501")
        #expect(try refusal("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only") == "42501")
        #expect(try refusal("DROP TRIGGER ledger_entries_append_only ON ledger_entries") == "42501")
        #expect(try refusal("CREATE TABLE puntos_app_was_here (id int)") == "42501")
        #expect(try refusal("INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'x', 'x')") == "42501")
    }

    @Test func theReplicationRoleTrickIsRefused() throws {
        #expect(try refusal("SET session_replication_role = replica") == "42501")
        // The read side still works: the role is not locked out of what it needs.
        #expect(try refusal("SELECT count(*) FROM ledger_entries") == nil)
    }
}
