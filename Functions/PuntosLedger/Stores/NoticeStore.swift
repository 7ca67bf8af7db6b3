package import FoundationEssentials
package import PuntosPostgres

/// The `notices` outbox, as the ledger writes it. (A ledger entry's own notice is written in the
/// entry's statement, `LedgerStore.append`, so that the two can never part.)
package struct NoticeStore {
    package let connection: PostgresConnection
    package let programmeId: String
    package let now: Date

    /// Writes a "points expire in N days" notice for each lot expiring within `days`, once per lot
    /// and expiry date; the number written.
    package func writeExpiringNotices(withinDays days: Int) throws -> Int {
        try connection.query(
            """
            INSERT INTO notices (programme_id, customer_id, kind, dedupe_key, payload, locale)
            SELECT \(programmeId), l.customer_id, 'points_expiring',
                   'expiring:' || l.id::text || ':' || to_char(l.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                   jsonb_build_object('lot_id', l.id, 'points', l.remaining, 'expires_at', l.expires_at,
                                      'days', greatest(0, ceil(extract(epoch FROM l.expires_at - \(now)::timestamptz) / 86400))::int),
                   u.locale
            FROM lots l JOIN customers u ON u.id = l.customer_id
            WHERE u.programme_id = \(programmeId) AND l.active AND l.remaining > 0
              AND l.expires_at > \(now) AND l.expires_at <= \(now.addingTimeInterval(Double(days) * 86_400))
            ON CONFLICT (dedupe_key) DO NOTHING
            """
        ).affectedRows
    }
}
