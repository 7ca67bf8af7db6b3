import FoundationEssentials
import PuntosPostgres

/// The SQL behind a guest's confirmation link, which names a subscription of any programme.
struct SubscriptionConfirmationStore {
    let connection: PostgresConnection

    /// Activates a pending, unexpired subscription and lifts the subscriber's earlier stop; nil when
    /// there was nothing to activate.
    func confirm(id: Int64, now: Date) throws -> SubscriptionView? {
        guard
            let row = try connection.query(
                """
                UPDATE alert_subscriptions SET status = \(SubscriptionStatus.active), confirmed_at = \(now)
                WHERE id = \(id) AND status = \(SubscriptionStatus.pending) AND expires_at > \(now)
                RETURNING *
                """
            ).first
        else { return nil }
        try connection.query(
            """
            DELETE FROM unsubscribes u USING alert_subscriptions s
            WHERE s.id = \(id) AND u.programme_id = s.programme_id AND u.address_key = s.subscriber
            """)
        return try SubscriptionView(row: row)
    }

    /// The subscription and its status, whatever the status.
    func subscription(id: Int64) throws -> (view: SubscriptionView, status: SubscriptionStatus)? {
        guard let row = try connection.query("SELECT * FROM alert_subscriptions WHERE id = \(id)").first else { return nil }
        return (try SubscriptionView(row: row), try row.decode("status"))
    }
}
