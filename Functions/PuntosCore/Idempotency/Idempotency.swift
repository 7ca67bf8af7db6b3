import FoundationEssentials
package import PuntosPostgres
import PuntosRuntime

/// Runs a write at most once per idempotency key, in one transaction with the key's record.
///
/// - The first event under a key runs, and its answer is stored with it: a result, or a business
///   refusal (`refused`, `notFound`, `conflict`), so that "insufficient points" stays the answer. A
///   refusal's writes roll back with its transaction; the refusal is stored under the key in the next.
/// - The same key with the same body returns the stored answer and changes nothing.
/// - The same key with another body is refused with `idempotency_conflict`.
/// - Bad input and temporary failures store nothing: nothing began, so the key stays free.
/// - An unknown programme is `programme_not_found`, as without a key (the claim inserts only for a
///   programme that exists, so no foreign-key error can escape).
///
/// Without a key the write runs as is; functions make their writes naturally idempotent where they can.
///
/// `prepare` runs first in the same transaction, before the key is claimed, every time: what must
/// exist for the key to be claimed (the programme that `configure` kind `programme` creates), written
/// so that a second run changes nothing.
package enum Idempotency {
    package static func run<Request: Encodable, Output: Codable & Sendable>(
        database: Database, programme: String, scope: String, key: String?, request: Request,
        prepare: ((PostgresConnection) throws -> Void)? = nil, _ body: (PostgresConnection) throws -> Output
    ) throws -> Output {
        guard let given = key else {
            return try database.withTransaction { connection in
                try prepare?(connection)
                return try body(connection)
            }
        }
        let key = try Validate.idempotencyKey(given)
        let requestJSON = JSONText(String(decoding: try JSONCoding.encode(request), as: UTF8.self))
        func save(_ answer: Result<Output, FunctionError>, _ store: IdempotencyStore) throws {
            store.saveAnswer(JSONText(String(decoding: try JSONCoding.encode(StoredAnswer(answer)), as: UTF8.self)))
        }
        do {
            let answer: Result<Output, FunctionError> = try database.withTransaction { connection in
                try prepare?(connection)
                let store = IdempotencyStore(connection: connection, programme: programme, scope: scope, key: key)
                guard try store.claim(request: requestJSON) else { return try storedAnswer(store, request: requestJSON) }
                let output: Output
                do {
                    output = try body(connection)
                } catch let error as FunctionError
                    where error.kind == .refused || error.kind == .notFound || error.kind == .conflict
                {
                    throw Refusal(error: error)
                }
                try save(.success(output), store)
                return .success(output)
            }
            return try answer.get()
        } catch let refusal as Refusal {
            // The write refused: its transaction rolled back whole (no savepoint, so no subtransaction
            // for every write that succeeds), and the refusal is stored as the key's answer in a new one,
            // unless another event under the key claimed it in between: then that one's answer stands.
            let answer: Result<Output, FunctionError> = try database.withTransaction { connection in
                try prepare?(connection)
                let store = IdempotencyStore(connection: connection, programme: programme, scope: scope, key: key)
                guard try store.claim(request: requestJSON) else { return try storedAnswer(store, request: requestJSON) }
                try save(.failure(refusal.error), store)
                return .failure(refusal.error)
            }
            return try answer.get()
        }
    }

    /// A business refusal by the write itself (not a stored answer, not a key used for another event).
    private struct Refusal: Error {
        var error: FunctionError
    }

    private static func storedAnswer<Output: Codable>(
        _ store: IdempotencyStore, request: JSONText
    ) throws -> Result<Output, FunctionError> {
        guard let claimed = try store.claimed(request: request) else {
            // Nothing claimed and nothing stored: the claim found no such programme.
            _ = try Programme.load(store.programme, from: store.connection)
            throw FunctionError.bug("an idempotency key was neither claimed nor stored")
        }
        guard claimed.sameRequest else {
            throw FunctionError.conflict(
                .idempotencyConflict, field: "idempotency_key",
                "idempotency_key \"\(store.key)\" was already used with a different event; use a new key for a new event")
        }
        let stored = try JSONCoding.decoder().decode(StoredAnswer<Output>.self, from: Data(claimed.response.utf8))
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
