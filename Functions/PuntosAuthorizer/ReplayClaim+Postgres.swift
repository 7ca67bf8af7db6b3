import PuntosPostgres

extension ReplayClaim {
    /// Records the claim in `webhook_replays`; true when it is new. One `INSERT … ON CONFLICT DO
    /// NOTHING`, so two instances claiming the same MAC at once cannot both win.
    ///
    /// The same table and statement as `PuntosWebhooks.ReplayStore` (branch `door`, migration 0040),
    /// which replaces this once merged; migrations/0051 creates the table where 0040 has not.
    public static func claim(_ claim: ReplayClaim, on connection: PostgresConnection) throws -> Bool {
        let hex = claim.mac.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
        let result = try connection.query(
            """
            INSERT INTO webhook_replays (caller, mac, signed_at, expires_at)
            VALUES (\(claim.caller), decode(\(hex), 'hex'), to_timestamp(\(claim.signedAt)), to_timestamp(\(claim.expiresAt)))
            ON CONFLICT (caller, mac) DO NOTHING
            """)
        return result.affectedRows == 1
    }
}
