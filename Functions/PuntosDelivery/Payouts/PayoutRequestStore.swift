import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// An approved payout's request to the provider, claimed from the payout outbox.
struct DuePayoutRequest: Sendable {
    var id: Int64
    var payoutId: Int64
    var idempotencyKey: String
    var body: String
    var attempts: Int
}

/// What became of one request: its new state, and the attempt to record.
struct PayoutRequestResult: Sendable {
    var request: DuePayoutRequest
    /// pending (retry at `nextAttemptAt`), sent or dead.
    var status: String
    var nextAttemptAt: Date?
    var outcome: String
    var responseCode: Int?
    var detail: String?
    /// The provider's reference for the payout, from its answer.
    var providerReference: String?
}

/// The SQL behind sending payouts: the outbox (`payout_requests`), the attempts, and the payout's own
/// state (`sent`, or `undeliverable` when the requests are dead), each write its own transaction.
struct PayoutRequestStore {
    let database: Database

    /// Claims up to `limit` due requests (pending, or sending with a lapsed lease) until `leaseUntil`.
    func claim(programme: String?, limit: Int, now: Date, leaseUntil: Date) throws -> [DuePayoutRequest] {
        try database.withTransaction { connection in
            try connection.query(
                """
                WITH due AS (
                    SELECT id FROM payout_requests
                    WHERE status IN ('pending', 'sending') AND next_attempt_at <= \(now)
                      AND (\(programme)::text IS NULL OR programme_id = \(programme))
                    ORDER BY next_attempt_at, id LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                )
                UPDATE payout_requests r SET status = 'sending', next_attempt_at = \(leaseUntil)
                FROM due WHERE r.id = due.id
                RETURNING r.id, r.payout_id, r.idempotency_key, r.body, r.attempts
                """
            ).map { row in
                DuePayoutRequest(
                    id: try row.decode("id"), payoutId: try row.decode("payout_id"),
                    idempotencyKey: try row.decode("idempotency_key"), body: try row.decode("body"),
                    attempts: try row.decode("attempts"))
            }
        }
    }

    /// Records the attempt and the request's new state (only a request still claimed), and moves the
    /// payout: `sent` with the provider's reference, or `undeliverable` when the request is dead. A
    /// payout the provider's callback settled meanwhile keeps its state.
    func record(_ result: PayoutRequestResult, now: Date) throws {
        try database.withTransaction { connection in
            let claimed = try connection.query(
                """
                UPDATE payout_requests
                SET status = \(result.status), attempts = attempts + 1, last_error = \(result.detail),
                    next_attempt_at = coalesce(\(result.nextAttemptAt)::timestamptz, next_attempt_at),
                    sent_at = CASE WHEN \(result.status)::text = 'sent' THEN \(now)::timestamptz END
                WHERE id = \(result.request.id) AND status = 'sending'
                """
            ).affectedRows
            guard claimed == 1 else { return }
            try connection.query(
                """
                INSERT INTO payout_attempts (request_id, attempt, outcome, response_code, detail, at)
                VALUES (\(result.request.id), \(result.request.attempts + 1), \(result.outcome), \(result.responseCode),
                        \(result.detail), \(now))
                """)
            let payoutStatus: String? =
                switch result.status {
                case "sent": "sent"
                case "dead": "undeliverable"
                default: nil
                }
            guard let payoutStatus else { return }
            try connection.query(
                """
                WITH moved AS (
                    UPDATE payouts SET status = \(payoutStatus),
                                       provider_reference = coalesce(\(result.providerReference)::text, provider_reference)
                    WHERE id = \(result.request.payoutId) AND status = 'approved'
                    RETURNING id, provider_reference)
                INSERT INTO payout_events (payout_id, kind, provider_reference, detail, source, at)
                SELECT id, \(payoutStatus), provider_reference, \(result.detail), 'deliver', \(now) FROM moved
                """)
        }
    }
}
