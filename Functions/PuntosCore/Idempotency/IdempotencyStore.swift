import PuntosPostgres
import PuntosRuntime

/// The `idempotency_keys` table: a key claimed by its first event, and that event's stored answer.
struct IdempotencyStore {
    let connection: PostgresConnection
    let programme: String
    let scope: String
    let key: String

    /// Claims the key for `request`; false when it was claimed before (or the programme does not exist).
    func claim(request: JSONText) throws -> Bool {
        try !connection.query(
            """
            INSERT INTO idempotency_keys (programme_id, scope, key, request)
            SELECT id, \(scope), \(key), \(request)::jsonb FROM programmes WHERE id = \(programme)
            ON CONFLICT DO NOTHING RETURNING 1 AS claimed
            """
        ).isEmpty
    }

    /// Stores the first event's answer with its key, sent with the commit (or the next statement).
    func saveAnswer(_ response: JSONText) {
        connection.sendWithNext(
            """
            UPDATE idempotency_keys SET response = \(response)::jsonb
            WHERE programme_id = \(programme) AND scope = \(scope) AND key = \(key)
            """)
    }

    /// A key claimed before: whether its request was this one, and the answer stored with it.
    struct Claimed {
        var sameRequest: Bool
        var response: String
    }

    /// The earlier claim of the key, or nil when there is none.
    func claimed(request: JSONText) throws -> Claimed? {
        guard
            let row = try connection.query(
                """
                SELECT request = \(request)::jsonb AS same_request, response::text AS response
                FROM idempotency_keys WHERE programme_id = \(programme) AND scope = \(scope) AND key = \(key)
                """
            ).first
        else { return nil }
        return Claimed(sameRequest: try row.decode("same_request"), response: try row.decode("response"))
    }
}
