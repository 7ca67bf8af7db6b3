import Foundation
import PuntosCore
import PuntosLedger
import PuntosPostgres
import PuntosRuntime
import PuntosTestSupport
import Testing

/// The customer's current card is one rule (`puntos_current_card`, `CurrentCardStore`): the active
/// card, else the most recently issued, ties broken on the number; the ledger resolves an external
/// id by the same rule.
@Suite struct CurrentCardTests {
    @Test func theActiveCardElseTheLatestIssuedTiesOnTheNumber() throws {
        let f = try LedgerFixture()
        let external = TestDatabase.unique("C")
        let numbers = (0..<3).map { _ in CardNumber.generate(prefix: "9", length: 16).digits }
        let tied = numbers[0...1].sorted()
        let customerId: Int64 = try f.database.withConnection { connection in
            let id: Int64 = try connection.query(
                "INSERT INTO customers (programme_id, external_id) VALUES (\(f.programme), \(external)) RETURNING id"
            ).one().decode("id")
            // Two blocked cards issued at the same moment, the greater number first.
            for number in tied.reversed() {
                try connection.query(
                    """
                    INSERT INTO cards (number, programme_id, customer_id, origin, status, issued_at, status_changed_at)
                    VALUES (\(number), \(f.programme), \(id), 'printed', 'blocked', '2026-01-01T00:00:00Z', now())
                    """)
            }
            return id
        }
        func current() throws -> String? {
            try f.database.withConnection { try CurrentCardStore(connection: $0).currentCardNumber(customerId: customerId) }
        }
        #expect(try current() == tied[0])
        let byExternalId = #"{"kind":"balance","programme":"\#(f.programme)","external_id":"\#(external)"}"#
        #expect(try f.balance(byExternalId).balance?.cardNumber == tied[0])
        // An active card wins, however old.
        try f.database.withConnection { connection in
            try connection.query(
                """
                INSERT INTO cards (number, programme_id, customer_id, origin, issued_at)
                VALUES (\(numbers[2]), \(f.programme), \(customerId), 'printed', '2020-01-01T00:00:00Z')
                """)
        }
        #expect(try current() == numbers[2])
        #expect(try f.balance(byExternalId).balance?.cardNumber == numbers[2])
        #expect(try f.database.withConnection { try CurrentCardStore(connection: $0).currentCardNumber(customerId: -1) } == nil)
    }
}
