package import FoundationEssentials
package import PuntosPostgres
import PuntosRuntime

/// Programme exclusion, the one rule for every event on an order: when another loyalty programme
/// that excludes ours (`programme_exclusions`) was applied to an order, nothing of ours accrues,
/// is held or is redeemed on it, and a later line, hold or return on the same order follows the
/// first decision (`excluded_orders`), whether or not it names the other programme again.
package struct ProgrammeExclusionStore {
    package let connection: PostgresConnection
    package let programmeId: String

    package init(connection: PostgresConnection, programmeId: String) {
        self.connection = connection
        self.programmeId = programmeId
    }

    /// The reason an answer gives.
    package static let reason = "excluded_by_other_programme"

    /// The programme that excludes ours on `order`: the one `other` names if ours lists it, else the
    /// one recorded on the order before; nil when ours applies. A new exclusion is recorded for the
    /// order's later events when `record` says by whom (a forecast records nothing).
    package func excluding(
        order: String?, other: String?, record: (source: String, requestId: String, at: Date)? = nil
    ) throws -> String? {
        if let other,
            try !connection.query(
                """
                SELECT 1 AS listed FROM programme_exclusions
                WHERE programme_id = \(programmeId) AND other_programme = \(other)
                """
            ).isEmpty
        {
            if let order, let record {
                try connection.query(
                    """
                    INSERT INTO excluded_orders (programme_id, order_number, other_programme, source, request_id, at)
                    VALUES (\(programmeId), \(order), \(other), \(record.source), \(record.requestId), \(record.at))
                    ON CONFLICT (programme_id, order_number) DO NOTHING
                    """)
            }
            return other
        }
        guard let order else { return nil }
        return try connection.query(
            "SELECT other_programme FROM excluded_orders WHERE programme_id = \(programmeId) AND order_number = \(order)"
        ).first?.decode("other_programme")
    }

    /// The programmes that exclude ours, in order.
    package func list() throws -> [String] {
        try connection.query(
            "SELECT other_programme FROM programme_exclusions WHERE programme_id = \(programmeId) ORDER BY 1"
        ).map { try $0.decode("other_programme") }
    }

    /// Replaces the list of programmes that exclude ours.
    package func set(_ others: [String]) throws {
        try connection.query(
            """
            WITH gone AS (DELETE FROM programme_exclusions WHERE programme_id = \(programmeId)
                          AND NOT (other_programme = ANY (\(others)::text[])))
            INSERT INTO programme_exclusions (programme_id, other_programme)
            SELECT \(programmeId), o FROM unnest(\(others)::text[]) AS t(o) ON CONFLICT DO NOTHING
            """)
    }

    /// Another programme's name as an event gives it (`other_programme`, `excluded_by[n]`): lower case.
    package static func name(_ value: String?, field: String) throws -> String? {
        guard let value else { return nil }
        let name = value.lowercased()
        guard (1...64).contains(name.count),
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }),
            name.first.map({ $0.isLetter || $0.isNumber }) == true
        else {
            throw FunctionError.badInput(
                .invalidValue, field: field, "\(field) must be 1 to 64 letters, digits, _ . or -, such as sberspasibo")
        }
        return name
    }
}
