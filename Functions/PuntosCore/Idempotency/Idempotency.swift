import FoundationEssentials
public import PuntosPostgres
import PuntosRuntime

/// Runs a write at most once per idempotency key, in one transaction with the key's record.
///
/// - The first event under a key runs, and its answer is stored with it: a result, or a business
///   refusal (`refused`, `notFound`, `conflict`), so that "insufficient points" stays the answer.
/// - The same key with the same body returns the stored answer and changes nothing.
/// - The same key with another body is refused with `idempotency_conflict`.
/// - Bad input and temporary failures store nothing: nothing began, so the key stays free.
/// - An unknown programme is `programme_not_found`, as without a key (the claim inserts only for a
///   programme that exists, so no foreign-key error can escape).
///
/// Without a key the write runs as is; functions make their writes naturally idempotent where they can.
public enum Idempotency {
    public static func run<Request: Encodable, Output: Codable & Sendable>(
        database: Database, programme: String, scope: String, key: String?, request: Request,
        _ body: (PostgresConnection) throws -> Output
    ) throws -> Output {
        guard let given = key else { return try database.withTransaction(body) }
        let key = try Validate.idempotencyKey(given)
        let requestJSON = JSONText(String(decoding: try JSONCoding.encode(request), as: UTF8.self))
        let answer: Result<Output, FunctionError> = try database.withTransaction { connection in
            let claimed = try connection.query(
                """
                INSERT INTO idempotency_keys (programme_id, scope, key, request)
                SELECT id, \(scope), \(key), \(requestJSON)::jsonb FROM programmes WHERE id = \(programme)
                ON CONFLICT DO NOTHING RETURNING 1 AS claimed
                """)
            if claimed.isEmpty {
                return try storedAnswer(connection, programme: programme, scope: scope, key: key, request: requestJSON)
            }
            try connection.runScript("SAVEPOINT idempotent_write")
            let answer: Result<Output, FunctionError>
            do {
                answer = .success(try body(connection))
            } catch let error as FunctionError where error.kind == .refused || error.kind == .notFound || error.kind == .conflict
            {
                try connection.runScript("ROLLBACK TO SAVEPOINT idempotent_write")
                answer = .failure(error)
            }
            let stored = JSONText(String(decoding: try JSONCoding.encode(StoredAnswer(answer)), as: UTF8.self))
            try connection.query(
                """
                UPDATE idempotency_keys SET response = \(stored)::jsonb
                WHERE programme_id = \(programme) AND scope = \(scope) AND key = \(key)
                """)
            return answer
        }
        return try answer.get()
    }

    private static func storedAnswer<Output: Codable>(
        _ connection: PostgresConnection, programme: String, scope: String, key: String, request: JSONText
    ) throws -> Result<Output, FunctionError> {
        let rows = try connection.query(
            """
            SELECT request = \(request)::jsonb AS same_request, response::text AS response
            FROM idempotency_keys WHERE programme_id = \(programme) AND scope = \(scope) AND key = \(key)
            """)
        guard let row = rows.first else {
            // Nothing claimed and nothing stored: the claim found no such programme.
            _ = try Programme.load(programme, from: connection)
            throw FunctionError.bug("an idempotency key was neither claimed nor stored")
        }
        guard try row.decode("same_request", as: Bool.self) else {
            throw FunctionError.conflict(
                .idempotencyConflict, field: "idempotency_key",
                "idempotency_key \"\(key)\" was already used with a different event; use a new key for a new event")
        }
        let response: String = try row.decode("response")
        let stored = try JSONCoding.decoder().decode(StoredAnswer<Output>.self, from: Data(response.utf8))
        if let result = stored.result { return .success(result) }
        if let error = stored.error { return .failure(error) }
        throw FunctionError.bug("the stored answer for an idempotency key is empty")
    }
}

/// `{"result": …}` or `{"error": {"error": {…}}}` as stored with the key.
struct StoredAnswer<Output: Codable>: Codable {
    var result: Output?
    var error: FunctionError?

    init(_ answer: Result<Output, FunctionError>) {
        switch answer {
        case .success(let value): result = value
        case .failure(let failure): error = failure
        }
    }
}
