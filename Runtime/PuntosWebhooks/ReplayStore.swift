public import FoundationEssentials
public import PuntosPostgres
import PuntosRuntime

/// The signed requests already received, in PostgreSQL (`webhook_replays`, migration 0040): shared by
/// every `puntos up` on one database and by the AWS webhook-authorizer, and kept across restarts.
public enum ReplayStore {
    /// Records (caller, MAC); true when it is new (accept the request), false when it was there (a
    /// replay). One `INSERT ... ON CONFLICT DO NOTHING`: two instances claiming the same MAC at once
    /// cannot both win. Runs outside any transaction of the caller's unless the caller opened one.
    public static func claim(
        caller: String, mac: [UInt8], signedAt: Int64, expiresAt: Int64, on connection: PostgresConnection
    ) throws -> Bool {
        precondition(mac.count == Signature.macLength, "an HMAC-SHA256 is 32 bytes")
        let hex = Data(mac).hexString
        let result = try connection.query(
            """
            INSERT INTO webhook_replays (caller, mac, signed_at, expires_at)
            VALUES (\(caller), decode(\(hex), 'hex'), to_timestamp(\(signedAt)), to_timestamp(\(expiresAt)))
            ON CONFLICT (caller, mac) DO NOTHING
            """)
        return result.affectedRows == 1
    }

    public static func claim(_ verified: VerifiedRequest, on connection: PostgresConnection) throws -> Bool {
        try claim(
            caller: verified.caller, mac: verified.signature.mac, signedAt: verified.signedAt,
            expiresAt: verified.expiresAt, on: connection)
    }

    /// Deletes the records past their expiry; returns how many went.
    @discardableResult
    public static func sweep(now: Date = Date(), on connection: PostgresConnection) throws -> Int {
        let seconds = Int64(now.timeIntervalSince1970.rounded(.down))
        return try connection.query("DELETE FROM webhook_replays WHERE expires_at < to_timestamp(\(seconds))").affectedRows
    }
}
