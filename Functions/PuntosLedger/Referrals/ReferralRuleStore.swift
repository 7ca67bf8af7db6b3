import FoundationEssentials
import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// The `referral_rules` of one programme: versions, never edited; the latest is in force.
package struct ReferralRuleStore {
    package let connection: PostgresConnection
    package let programmeId: String

    package init(connection: PostgresConnection, programmeId: String) {
        self.connection = connection
        self.programmeId = programmeId
    }

    package func inForce() throws -> ReferralRule? {
        try connection.query(
            """
            SELECT version, referrer_points, referred_points, min_purchase, cap_per_referrer, active FROM referral_rules
            WHERE programme_id = \(programmeId) ORDER BY version DESC LIMIT 1
            """
        ).first.map { row in
            ReferralRule(
                version: try row.decode("version"), referrerPoints: try row.decode("referrer_points"),
                referredPoints: try row.decode("referred_points"), minPurchase: try row.decode("min_purchase"),
                capPerReferrer: try row.decode("cap_per_referrer"), active: try row.decode("active"))
        }
    }

    /// Records `rule` as the next version unless it is the one in force; answers the rule in force.
    package func record(_ rule: ReferralRule, source: String, requestId: String) throws -> ReferralRule {
        try connection.query("SELECT 1 AS locked FROM programmes WHERE id = \(programmeId) FOR UPDATE")
        let current = try inForce()
        if let current, current.sameRule(as: rule) { return current }
        var recorded = rule
        recorded.version = (current?.version ?? 0) + 1
        try connection.query(
            """
            INSERT INTO referral_rules (programme_id, version, referrer_points, referred_points, min_purchase, cap_per_referrer,
                                        active, source, request_id)
            VALUES (\(programmeId), \(recorded.version), \(rule.referrerPoints), \(rule.referredPoints), \(rule.minPurchase),
                    \(rule.capPerReferrer), \(rule.active), \(source), \(requestId))
            """)
        return recorded
    }
}
