import FoundationEssentials
import PuntosPostgres
import PuntosRuntime

/// Everything Puntos holds on one customer, as one JSON document built by PostgreSQL in one statement
/// (each table's rows as they are stored, column names as keys): the customer, account, cards and
/// their history, agreements, ledger entries (their own and those of every customer merged into them:
/// both histories), the customers merged into them and the merges, lots, invoices, holds, alert subscriptions (their own and
/// any a guest made with their e-mail), notices (to them, or to their e-mail or phone as a guest) with
/// every delivery attempt, notification settings, unsubscribes, coupons and payouts with their history,
/// tier changes, organisation memberships, action credits, referral codes and referrals (as referrer or
/// referred), and the erasure if there was one.
enum MemberExportStore {
    static func document(_ customer: Int64, _ connection: PostgresConnection) throws -> JSONValue {
        let text: String = try connection.query(
            """
            WITH u AS (SELECT * FROM customers WHERE id = \(customer)),
            n AS (SELECT n.* FROM notices n, u
                  WHERE n.customer_id = u.id
                     OR (n.customer_id IS NULL AND n.programme_id = u.programme_id AND (n.email = u.email OR n.phone = u.phone)))
            SELECT jsonb_build_object(
                'customer', (SELECT to_jsonb(u) FROM u),
                'account', (SELECT to_jsonb(a) FROM accounts a WHERE a.customer_id = \(customer)),
                'cards', coalesce((SELECT jsonb_agg(to_jsonb(c) ORDER BY c.issued_at, c.number) FROM cards c
                                   WHERE c.customer_id = \(customer)), '[]'),
                'card_events', coalesce((SELECT jsonb_agg(to_jsonb(e) ORDER BY e.id) FROM card_events e
                                         JOIN cards c ON c.number = e.card_number WHERE c.customer_id = \(customer)), '[]'),
                'agreements', coalesce((SELECT jsonb_agg(to_jsonb(a) ORDER BY a.id) FROM agreements a
                                        WHERE a.customer_id = \(customer)), '[]'),
                'ledger_entries', coalesce((SELECT jsonb_agg(to_jsonb(e) ORDER BY e.id) FROM ledger_entries e
                                            WHERE e.customer_id = ANY (puntos_merged_customers(\(customer)))), '[]'),
                'merged_customers', coalesce((SELECT jsonb_agg(to_jsonb(x) ORDER BY x.id) FROM customers x
                                              WHERE x.id = ANY (puntos_merged_customers(\(customer))) AND x.id <> \(customer)), '[]'),
                'merges', coalesce((SELECT jsonb_agg(to_jsonb(m) ORDER BY m.id) FROM member_merges m
                                    WHERE m.survivor_id = ANY (puntos_merged_customers(\(customer)))), '[]'),
                'lots', coalesce((SELECT jsonb_agg(to_jsonb(l) ORDER BY l.id) FROM lots l WHERE l.customer_id = \(customer)), '[]'),
                'invoices', coalesce((SELECT jsonb_agg(to_jsonb(i) ORDER BY i.id) FROM invoices i
                                      WHERE i.customer_id = \(customer)), '[]'),
                'holds', coalesce((SELECT jsonb_agg(to_jsonb(h) ORDER BY h.id) FROM holds h WHERE h.customer_id = \(customer)), '[]'),
                'coupons', coalesce((SELECT jsonb_agg(to_jsonb(c) || jsonb_build_object('events', coalesce(
                                         (SELECT jsonb_agg(to_jsonb(e) ORDER BY e.id) FROM coupon_events e WHERE e.coupon_id = c.id),
                                         '[]')) ORDER BY c.id)
                                     FROM coupons c WHERE c.customer_id = \(customer)), '[]'),
                'payouts', coalesce((SELECT jsonb_agg(to_jsonb(p) || jsonb_build_object('events', coalesce(
                                         (SELECT jsonb_agg(to_jsonb(e) ORDER BY e.id) FROM payout_events e WHERE e.payout_id = p.id),
                                         '[]')) ORDER BY p.id)
                                     FROM payouts p WHERE p.customer_id = ANY (puntos_merged_customers(\(customer)))), '[]'),
                'tier_changes', coalesce((SELECT jsonb_agg(to_jsonb(t) ORDER BY t.id) FROM tier_changes t
                                          WHERE t.customer_id = ANY (puntos_merged_customers(\(customer)))), '[]'),
                'organisation_memberships', coalesce((SELECT jsonb_agg(to_jsonb(m) || jsonb_build_object('organisation', o.code)
                                                                ORDER BY m.id)
                                                      FROM organisation_members m JOIN organisations o ON o.id = m.organisation_id
                                                      WHERE m.customer_id = ANY (puntos_merged_customers(\(customer)))), '[]'),
                'action_credits', coalesce((SELECT jsonb_agg(to_jsonb(a) ORDER BY a.id) FROM action_credits a
                                            WHERE a.customer_id = ANY (puntos_merged_customers(\(customer)))), '[]'),
                'referral_codes', coalesce((SELECT jsonb_agg(to_jsonb(r) ORDER BY r.customer_id) FROM referral_codes r
                                            WHERE r.customer_id = ANY (puntos_merged_customers(\(customer)))), '[]'),
                'referrals', coalesce((SELECT jsonb_agg(to_jsonb(r) ORDER BY r.id) FROM referrals r
                                       WHERE r.referrer_id = ANY (puntos_merged_customers(\(customer)))
                                          OR r.referred_id = ANY (puntos_merged_customers(\(customer)))), '[]'),
                'subscriptions', coalesce((SELECT jsonb_agg(to_jsonb(s) ORDER BY s.id) FROM alert_subscriptions s, u
                                           WHERE s.customer_id = u.id
                                              OR (s.customer_id IS NULL AND s.programme_id = u.programme_id AND s.email = u.email)), '[]'),
                'notices', coalesce((SELECT jsonb_agg(to_jsonb(n) ORDER BY n.id) FROM n), '[]'),
                'delivery_attempts', coalesce((SELECT jsonb_agg(to_jsonb(d) ORDER BY d.id) FROM delivery_attempts d
                                               WHERE d.notice_id IN (SELECT id FROM n)), '[]'),
                'notification_settings', (SELECT to_jsonb(s) FROM notification_settings s WHERE s.customer_id = \(customer)),
                'unsubscribes', coalesce((SELECT jsonb_agg(to_jsonb(x) ORDER BY x.created_at) FROM unsubscribes x, u
                                          WHERE x.programme_id = u.programme_id
                                            AND x.address_key = ANY (puntos_recipient_keys(u.id, u.email, u.phone))), '[]'),
                'erasure', (SELECT to_jsonb(m) - 'identifier_digests' FROM member_erasures m WHERE m.customer_id = \(customer))
            )::text AS document
            """
        ).one().decode("document")
        do {
            return try JSONCoding.decoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw FunctionError.bug("the member document is not JSON: \(error)")
        }
    }
}
