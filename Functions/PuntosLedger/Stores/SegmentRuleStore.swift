import FoundationEssentials
import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// The `segment_rules` of one programme: versions, never edited; the latest per segment is in force.
package struct SegmentRuleStore {
    package let connection: PostgresConnection
    package let programmeId: String

    /// The rules in force, by segment.
    package func inForce() throws -> [String: SegmentRule] {
        let rows = try connection.query(
            """
            SELECT DISTINCT ON (segment) segment, version, point_value, min_redemption, max_order_share,
                   array_to_json(promotions)::text AS promotions
            FROM segment_rules WHERE programme_id = \(programmeId) ORDER BY segment, version DESC
            """)
        var rules: [String: SegmentRule] = [:]
        for row in rows {
            let promotions = try row.decodeIfPresent("promotions", as: String.self).map {
                try JSONCoding.decoder().decode([String].self, from: Data($0.utf8))
            }
            let rule = SegmentRule(
                segment: try row.decode("segment"), version: try row.decode("version"),
                pointValue: try row.decodeIfPresent("point_value"), minRedemption: try row.decodeIfPresent("min_redemption"),
                maxOrderShare: try row.decodeIfPresent("max_order_share"), promotions: promotions)
            rules[rule.segment] = rule
        }
        return rules
    }

    /// Records `rule` as the segment's next version unless it is the one in force; answers the rules
    /// in force after it. Concurrent changes of one segment wait on the programme's row lock.
    package func record(_ rule: SegmentRule, source: String, requestId: String) throws -> SegmentRule {
        try connection.query("SELECT 1 AS locked FROM programmes WHERE id = \(programmeId) FOR UPDATE")
        let current = try inForce()[rule.segment]
        if let current, current.sameRules(as: rule) { return current }
        var recorded = rule
        recorded.version = (current?.version ?? 0) + 1
        try connection.query(
            """
            INSERT INTO segment_rules (programme_id, segment, version, point_value, min_redemption, max_order_share,
                                       promotions, source, request_id)
            VALUES (\(programmeId), \(rule.segment), \(recorded.version), \(rule.pointValue), \(rule.minRedemption),
                    \(rule.maxOrderShare), \(rule.promotions)::text[], \(source), \(requestId))
            """)
        return recorded
    }
}
