import Foundation
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// The read-only BI views of `puntos_bi` (migration 0101): readable, never writable, commented, and
/// enough for `puntos_reader` without any grant on the tables.
@Suite struct DataViewsTests {
    static let views = [
        "ledger_entries", "customers", "invoices", "redemptions", "daily_points", "points_liability", "points_expiry", "coupons",
    ]

    @Test func theApplicationRoleReadsEveryViewAndTheyShowTheLedger() throws {
        let f = try LedgerFixture()
        let card = try f.card(segment: "vip")
        _ = try f.accrue(invoice(card, "BI-\(f.programme)", amount: "80.00", order: "BI-ORD"))
        let spent = try f.redeem(
            #"{"kind":"hold","card_number":"\#(card)","order_number":"BI-H","order_amount":100,"points":30}"#)
        let row = try f.database.withConnection { connection in
            try connection.query(
                """
                SELECT (SELECT sum(points) FROM puntos_bi.ledger_entries WHERE programme_id = \(f.programme)) AS net,
                       (SELECT string_agg(DISTINCT customer_segment, ',') FROM puntos_bi.ledger_entries
                        WHERE programme_id = \(f.programme)) AS segment,
                       (SELECT available FROM puntos_bi.customers WHERE active_card = \(card)) AS available,
                       (SELECT points FROM puntos_bi.invoices WHERE programme_id = \(f.programme)) AS invoice_points,
                       (SELECT held_points FROM puntos_bi.redemptions WHERE voucher_number = \(spent.voucherNumber)) AS held,
                       (SELECT sum(available_delta) FROM puntos_bi.daily_points WHERE programme_id = \(f.programme)) AS daily,
                       (SELECT held FROM puntos_bi.points_liability WHERE programme_id = \(f.programme)) AS liability_held,
                       (SELECT available FROM puntos_bi.points_expiry WHERE programme_id = \(f.programme)) AS in_lots
                """
            ).one()
        }
        #expect(try row.decode("net", as: Int64.self) == 80)
        #expect(try row.decode("segment", as: String.self) == "vip")
        #expect(try row.decode("available", as: Int64.self) == 50)
        #expect(try row.decode("invoice_points", as: Int64.self) == 80)
        #expect(try row.decode("held", as: Int64.self) == 30)
        #expect(try row.decode("daily", as: Int64.self) == 50)
        #expect(try row.decode("liability_held", as: Int64.self) == 30)
        #expect(try row.decode("in_lots", as: Int64.self) == 50)
        // Read-only, even the views PostgreSQL could update through.
        for statement: SQL in [
            "INSERT INTO puntos_bi.invoices (programme_id, number) VALUES ('default', 'x')",
            "UPDATE puntos_bi.redemptions SET status = 'released' WHERE voucher_number = \(spent.voucherNumber)",
            "DELETE FROM puntos_bi.invoices WHERE programme_id = \(f.programme)",
        ] {
            #expect(throws: PostgresError.self, "\(statement.text)") {
                try f.database.withConnection { try $0.query(statement) }
            }
        }
    }

    @Test func everyViewHasItsCommentAndNoContactData() throws {
        let admin = try TestDatabase.admin()
        defer { admin.close() }
        let rows = try admin.withConnection { connection in
            try connection.query(
                """
                SELECT c.relname AS name, obj_description(c.oid, 'pg_class') AS comment,
                       (SELECT string_agg(attname, ',') FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0) AS columns
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'puntos_bi' AND c.relkind = 'v'
                """)
        }
        let names = try rows.map { try $0.decode("name", as: String.self) }
        #expect(Set(names) == Set(Self.views))
        for row in rows {
            let name: String = try row.decode("name")
            let comment: String? = try row.decodeIfPresent("comment")
            #expect((comment?.count ?? 0) > 20, "\(name) has no comment")
            let columns = Set(try row.decode("columns", as: String.self).split(separator: ",").map(String.init))
            #expect(columns.isDisjoint(with: ["email", "phone", "name"]), "\(name) shows contact data")
        }
    }

    /// A BI login granted `puntos_reader` reads the views and the report functions, and no table.
    @Test func theReaderRoleSeesTheViewsOnly() throws {
        let admin = try TestDatabase.admin()
        defer { admin.close() }
        try admin.withTransaction { connection in
            try connection.runScript("SET LOCAL ROLE puntos_reader")
            for view in Self.views {
                _ = try connection.query(SQL(unsafeText: "SELECT count(*) FROM puntos_bi.\(view)"))
            }
            _ = try connection.query("SELECT count(*) FROM puntos_bi.points_liability_at(now() - interval '1 day')")
            try connection.runScript("SAVEPOINT tables")
            #expect(throws: PostgresError.self) { try connection.query("SELECT count(*) FROM customers") }
            try connection.runScript("ROLLBACK TO SAVEPOINT tables")
            #expect(throws: PostgresError.self) { try connection.query("SELECT count(*) FROM ledger_entries") }
        }
    }
}
