package import FoundationEssentials
package import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// A pending referral whose referred customer has a qualifying purchase past its return window.
package struct QualifiedReferral: Sendable, Equatable {
    package var id: Int64
    package var referrerId: Int64
    package var referredId: Int64
    package var invoiceNumber: String
}

/// The SQL of the referral sweep, in the caller's transaction.
package struct ReferralSweepStore {
    package let connection: PostgresConnection
    package let programmeId: String

    /// Pending referrals (oldest first) whose referred customer's first purchase of at least
    /// `minPurchase`, recorded after the referral and never returned (not a line), is past its
    /// return window (`pendingDays` after its date) at `now`.
    package func qualified(minPurchase: Decimal, pendingDays: Int, now: Date, limit: Int) throws -> [QualifiedReferral] {
        try connection.query(
            """
            SELECT r.id, r.referrer_id, r.referred_id, q.number
            FROM referrals r
            JOIN LATERAL (
                SELECT i.number FROM invoices i
                WHERE i.programme_id = r.programme_id AND i.customer_id = r.referred_id AND i.status = 'accrued'
                  AND i.created_at >= r.created_at
                  AND i.invoiced_at + make_interval(days => \(pendingDays)) <= \(now)
                  AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(i.lines) l WHERE (l->>'returned')::int > 0)
                  AND (SELECT coalesce(sum((l->>'amount')::numeric - coalesce((l->>'paid_with_points')::numeric, 0)), 0)
                       FROM jsonb_array_elements(i.lines) l) >= \(minPurchase)
                ORDER BY i.invoiced_at, i.id LIMIT 1) q ON true
            WHERE r.programme_id = \(programmeId) AND r.status = 'pending'
            ORDER BY r.id LIMIT \(limit)
            """
        ).map {
            QualifiedReferral(
                id: try $0.decode("id"), referrerId: try $0.decode("referrer_id"), referredId: try $0.decode("referred_id"),
                invoiceNumber: try $0.decode("number"))
        }
    }

    /// Whether the purchase still qualifies (accrued, not a line returned): read again under the
    /// referred customer's account lock, which every return takes first.
    package func stillQualifies(invoiceNumber: String) throws -> Bool {
        try !connection.query(
            """
            SELECT 1 AS ok FROM invoices i
            WHERE i.programme_id = \(programmeId) AND i.number = \(invoiceNumber) AND i.status = 'accrued'
              AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(i.lines) l WHERE (l->>'returned')::int > 0)
            """
        ).isEmpty
    }

    /// Whether the referral is still pending, locking it.
    package func lockPending(_ id: Int64) throws -> Bool {
        try !connection.query("SELECT id FROM referrals WHERE id = \(id) AND status = 'pending' FOR UPDATE").isEmpty
    }

    /// Referrals credited to the referrer so far.
    package func credited(referrerId: Int64) throws -> Int {
        try connection.query(
            "SELECT count(*)::int AS n FROM referrals WHERE referrer_id = \(referrerId) AND status = 'credited'"
        ).one().decode("n")
    }

    package func decide(
        _ id: Int64, refusal: ReferralGuard.Refusal?, invoiceNumber: String, ruleVersion: Int, now: Date
    ) throws {
        let status = refusal == nil ? "credited" : "refused"
        try connection.query(
            """
            UPDATE referrals SET status = \(status), reason = \(refusal?.rawValue), invoice_number = \(invoiceNumber),
                                 rule_version = \(ruleVersion), decided_at = \(now)
            WHERE id = \(id)
            """)
    }
}
