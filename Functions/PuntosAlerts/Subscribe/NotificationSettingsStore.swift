import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// A customer's `notification_settings` row, run on a connection inside the caller's transaction.
struct NotificationSettingsStore {
    let connection: PostgresConnection

    /// Sets the given channel choices and forgets those named in `forget`, keeping the others;
    /// returns every choice now kept.
    func changeChannels(customerId: Int64, set: [String: String], forget: [String], now: Date) throws -> [String: String] {
        let given = JSONText(String(decoding: try JSONCoding.encode(set), as: UTF8.self))
        let stored: String = try connection.query(
            """
            INSERT INTO notification_settings AS n (customer_id, channels, updated_at)
            VALUES (\(customerId), \(given)::jsonb, \(now))
            ON CONFLICT (customer_id) DO UPDATE SET channels = (n.channels || excluded.channels) - \(forget)::text[],
                updated_at = excluded.updated_at
            RETURNING channels::text AS channels
            """
        ).one().decode("channels")
        return try JSONCoding.decoder().decode([String: String].self, from: Data(stored.utf8))
    }
}
