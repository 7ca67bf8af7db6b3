package import FoundationEssentials
import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// The `action_rules` of one programme (versions, the latest per action in force) and the
/// `action_credits` that count against their caps.
package struct ActionStore {
    package let connection: PostgresConnection
    package let programmeId: String

    package init(connection: PostgresConnection, programmeId: String) {
        self.connection = connection
        self.programmeId = programmeId
    }

    /// The version of `action` in force, or nil when never configured.
    package func inForce(_ action: String) throws -> ActionRule? {
        try connection.query(
            """
            SELECT action, version, points, cap_period, cap_count, active FROM action_rules
            WHERE programme_id = \(programmeId) AND action = \(action) ORDER BY version DESC LIMIT 1
            """
        ).first.map { try ActionRule($0) }
    }

    /// Records `rule` as the action's next version unless it is the one in force; answers the rule in
    /// force after it. Concurrent changes wait on the programme's row lock.
    package func record(_ rule: ActionRule, source: String, requestId: String) throws -> ActionRule {
        try connection.query("SELECT 1 AS locked FROM programmes WHERE id = \(programmeId) FOR UPDATE")
        let current = try inForce(rule.action)
        if let current, current.sameRule(as: rule) { return current }
        var recorded = rule
        recorded.version = (current?.version ?? 0) + 1
        try connection.query(
            """
            INSERT INTO action_rules (programme_id, action, version, points, cap_period, cap_count, active, source, request_id)
            VALUES (\(programmeId), \(rule.action), \(recorded.version), \(rule.points), \(rule.capPeriod), \(rule.capCount),
                    \(rule.active), \(source), \(requestId))
            """)
        return recorded
    }

    /// The day `now` falls on in the programme's time zone, `YYYY-MM-DD`.
    package func programmeDay(_ now: Date, timeZone: String) throws -> String {
        try connection.query("SELECT to_char(\(now)::timestamptz AT TIME ZONE \(timeZone), 'YYYY-MM-DD') AS day").one()
            .decode("day")
    }

    /// How many times the customer's `action` was credited in the period `key`.
    package func credits(customerId: Int64, action: String, periodKey key: String) throws -> Int {
        try connection.query(
            """
            SELECT count(*)::int AS n FROM action_credits
            WHERE programme_id = \(programmeId) AND customer_id = \(customerId) AND action = \(action) AND period_key = \(key)
            """
        ).one().decode("n")
    }

    /// Records the `seq`-th credit of the period, and the lot it became.
    package func recordCredit(
        customerId: Int64, rule: ActionRule, periodKey: String, seq: Int, lotId: Int64, reference: String?,
        requestId: String, at: Date
    ) throws {
        try connection.query(
            """
            INSERT INTO action_credits (programme_id, customer_id, action, rule_version, period_key, seq, points, lot_id,
                                        reference, request_id, at)
            VALUES (\(programmeId), \(customerId), \(rule.action), \(rule.version), \(periodKey), \(seq), \(rule.points),
                    \(lotId), \(reference), \(requestId), \(at))
            """)
    }
}

extension ActionRule {
    init(_ row: PostgresRow) throws {
        self.init(
            action: try row.decode("action"), version: try row.decode("version"), points: try row.decode("points"),
            capPeriod: try row.decode("cap_period"), capCount: try row.decode("cap_count"), active: try row.decode("active"))
    }
}
