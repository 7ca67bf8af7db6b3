import FoundationEssentials
import PuntosCore
import PuntosPostgres

/// The SQL behind `unsubscribe`, run on a connection inside the caller's transaction.
struct UnsubscribeStore {
    let connection: PostgresConnection

    /// The person a notice went to.
    struct Recipient {
        var programme: String
        /// The key the notice was kept under (`c:`, else `e:`, else `p:`).
        var key: RecipientKey
        var customerId: Int64?
        var email: String?
        var phone: String?
        var locale: String?

        /// Every key the person is known by: a stop is recorded under each.
        var allKeys: [RecipientKey] { [key] + RecipientKey.all(customerId: nil, email: email, phone: phone) }
    }

    /// Who the notice went to, with the customer's addresses where the notice has none of its own; nil if it is gone.
    func recipient(ofNotice id: Int64) throws -> Recipient? {
        guard
            let row = try connection.query(
                """
                SELECT n.programme_id, n.customer_id, coalesce(n.email, c.email) AS email, coalesce(n.phone, c.phone) AS phone,
                       coalesce(n.locale, c.locale) AS locale, puntos_recipient_key(n.customer_id, n.email, n.phone) AS address_key
                FROM notices n LEFT JOIN customers c ON c.id = n.customer_id WHERE n.id = \(id)
                """
            ).first
        else { return nil }
        return Recipient(
            programme: try row.decode("programme_id"), key: try row.decode("address_key"),
            customerId: try row.decodeIfPresent("customer_id"), email: try row.decodeIfPresent("email"),
            phone: try row.decodeIfPresent("phone"), locale: try row.decodeIfPresent("locale"))
    }

    /// Whether the recipient's own key has said stop already.
    func isUnsubscribed(_ recipient: Recipient) throws -> Bool {
        try connection.query(
            """
            SELECT 1 FROM unsubscribes WHERE programme_id = \(recipient.programme) AND address_key = \(recipient.key)
            """
        ).first != nil
    }

    /// Records the stop under every key of the recipient (once each); `source` is `link` or `one-click`.
    func recordUnsubscribe(_ recipient: Recipient, noticeId: Int64, source: String, at now: Date) throws {
        try connection.query(
            """
            INSERT INTO unsubscribes (programme_id, address_key, notice_id, source, created_at)
            SELECT \(recipient.programme), k, \(noticeId), \(source), \(now)
            FROM unnest(\(recipient.allKeys)::text[]) AS k ON CONFLICT DO NOTHING
            """)
    }

    /// Suppresses the recipient's pending notices; returns how many.
    func suppressPendingNotices(of recipient: Recipient) throws -> Int {
        try connection.query(
            """
            UPDATE notices SET status = \(NoticeStatus.suppressed), last_error = 'unsubscribed'
            WHERE programme_id = \(recipient.programme) AND status = \(NoticeStatus.pending)
              AND (customer_id = \(recipient.customerId) OR email = \(recipient.email) OR phone = \(recipient.phone))
            """
        ).affectedRows
    }

    /// Removes the recipient's live alert subscriptions; returns how many.
    func removeSubscriptions(of recipient: Recipient, at now: Date) throws -> Int {
        try connection.query(
            """
            UPDATE alert_subscriptions SET status = 'removed', removed_at = \(now)
            WHERE programme_id = \(recipient.programme) AND status IN ('pending', 'active')
              AND subscriber = ANY(\(recipient.allKeys)::text[])
            """
        ).affectedRows
    }
}
