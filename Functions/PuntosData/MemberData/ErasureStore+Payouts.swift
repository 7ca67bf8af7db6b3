import PuntosPostgres
import PuntosRuntime

/// A member's payouts in an erasure. A payout's destination is the provider's token for the member's
/// card: personal, so an erasure replaces it by the tombstone `erased:<payout number>` (not derived
/// from the token; it satisfies the column's CHECK), in the payout and in the body of its request to
/// the provider. Only a payout nothing will act on again is scrubbed: one still awaiting moderation,
/// the provider or its callback, or whose request the outbox may still send, is in flight, and the
/// erasure waits for it (`payout_in_flight`, 409).
extension ErasureStore {
    /// A payout still in flight: its number and state.
    struct PayoutInFlight {
        let number: String
        let status: String
        /// Settled (succeeded or failed) or rejected, yet with its request to the provider still due: the
        /// provider called back before the outbox recorded the send, which it may still retry.
        let resolved: Bool
    }

    /// Takes the customer's account row lock, which every ledger write (a payout requested, moderated
    /// or settled) takes first, so no payout changes under the erasure.
    func lockAccount(customer: Int64) throws {
        try connection.query("SELECT customer_id FROM accounts WHERE customer_id = \(customer) FOR UPDATE")
    }

    /// The customer's payouts not yet settled, rejected or failed, or with a request the outbox may still send.
    func payoutsInFlight(customer: Int64) throws -> [PayoutInFlight] {
        try connection.query(
            """
            SELECT p.number, p.status, p.resolved_at IS NOT NULL AS resolved
            FROM payouts p
            WHERE p.customer_id = \(customer)
              AND (p.resolved_at IS NULL
                   OR EXISTS (SELECT 1 FROM payout_requests r WHERE r.payout_id = p.id AND r.status IN ('pending', 'sending')))
            ORDER BY p.id
            FOR UPDATE OF p
            """
        ).map {
            PayoutInFlight(number: try $0.decode("number"), status: try $0.decode("status"), resolved: try $0.decode("resolved"))
        }
    }

    /// The destinations of the customer's payouts not yet scrubbed: erased values the other statements
    /// look for too (a stored answer or a notice quoting one).
    func payoutDestinations(customer: Int64) throws -> [String] {
        try connection.query(
            """
            SELECT DISTINCT destination FROM payouts
            WHERE customer_id = \(customer) AND destination <> 'erased:' || number
            ORDER BY destination
            """
        ).map { try $0.decode("destination") }
    }

    /// Each payout's destination, and the one in its request's body, replaced by `erased:<number>`;
    /// a request's last error quoting the destination dropped. Answers the payouts changed.
    func scrubPayouts(customer: Int64) throws -> Int {
        try connection.query(
            """
            UPDATE payout_requests r
            SET body = jsonb_set(r.body::jsonb, '{destination}', to_jsonb('erased:' || p.number))::text,
                last_error = CASE WHEN strpos(lower(r.last_error), lower(p.destination)) > 0 THEN NULL ELSE r.last_error END
            FROM payouts p
            WHERE p.id = r.payout_id AND p.customer_id = \(customer) AND p.destination <> 'erased:' || p.number
            """)
        return try connection.query(
            """
            UPDATE payouts SET destination = 'erased:' || number
            WHERE customer_id = \(customer) AND destination <> 'erased:' || number
            """
        ).affectedRows
    }
}
