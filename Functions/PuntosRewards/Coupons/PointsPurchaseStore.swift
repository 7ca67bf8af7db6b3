package import FoundationEssentials
package import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// A reward's side of the points ledger: the redemption that pays for a coupon, and the reversal
/// that refunds one. The account is locked and the lots drawn through Core's `AccountStore`,
/// `LotStore` and `LotPlan`, the very code the ledger's own redemptions use (soonest-expiring lots
/// first); the database's trigger keeps the balance the sum of the entries. Each entry writes its
/// notice in the same statement, under the ledger's dedupe key (`ledger:<entry id>`).
package struct PointsPurchaseStore {
    package let connection: PostgresConnection
    package let programmeId: String
    package let requestId: String
    package let now: Date

    var lots: LotStore { LotStore(connection: connection) }

    /// Spends `points` from the locked account for a coupon: the entry's id. Too few points is refused.
    func spend(
        _ account: inout LedgerAccount, points: Int64, voucher: String, reward: CatalogueReward, couponCode: CouponCode,
        validUntil: Date
    )
        throws -> Int64
    {
        let take = LotPlan.take(points, from: try lots.spendable(customerId: account.customerId))
        guard take.shortfall == 0, account.available >= points else {
            throw FunctionError.refused(
                .insufficientPoints, field: "code",
                "the reward costs \(points) points; the card has \(max(account.available, 0)) available")
        }
        let available = account.available - points
        let entryId: Int64 = try connection.query(
            """
            WITH e AS (
                INSERT INTO ledger_entries (programme_id, customer_id, card_number, kind, available_delta, voucher_number, rule,
                                            reason, source, request_id, at)
                VALUES (\(programmeId), \(account.customerId), \(account.cardNumber), 'redemption', \(-points), \(voucher),
                        jsonb_build_object('reward', \(reward.code)::text, 'version', \(reward.version)::integer),
                        \("reward " + reward.code), 'rewards.buy_reward', \(requestId), \(now))
                RETURNING id),
            n AS (
                INSERT INTO notices (programme_id, customer_id, kind, dedupe_key, payload, locale)
                SELECT \(programmeId), u.id, 'reward_bought', 'ledger:' || e.id::text,
                       jsonb_build_object('entry_id', e.id, 'kind', 'redemption', 'points', \(points)::bigint,
                                          'direction', 'debit', 'card_last4', right(\(account.cardNumber)::text, 4),
                                          'available', \(available)::bigint, 'voucher_number', \(voucher)::text,
                                          'reward_code', \(reward.code)::text, 'reward_name', \(reward.terms.name)::text,
                                          'coupon_code', \(couponCode.description)::text, 'valid_until', \(validUntil)::timestamptz),
                       u.locale
                FROM e, customers u WHERE u.id = \(account.customerId)
                ON CONFLICT (dedupe_key) DO NOTHING)
            SELECT id FROM e
            """
        ).one().decode("id")
        try lots.apply(entryId: entryId, take.draws)
        account.available = available
        return entryId
    }

    /// Gives a coupon's points back to the lots its purchase drew from (with their own expiry), as a
    /// reversal entry naming the purchase's voucher.
    func refund(_ account: inout LedgerAccount, coupon: CouponRow) throws {
        let draws = LotPlan.giveBack(coupon.points, drawn: try lots.drawnBy(entryId: coupon.entryId))
        let available = account.available + coupon.points
        let entryId: Int64 = try connection.query(
            """
            WITH e AS (
                INSERT INTO ledger_entries (programme_id, customer_id, card_number, kind, available_delta, voucher_number, rule,
                                            reason, source, request_id, at)
                VALUES (\(programmeId), \(account.customerId), \(account.cardNumber), 'reversal', \(coupon.points),
                        \(coupon.voucherNumber), '{"refund_expired": true}'::jsonb, 'coupon expired unused', 'rewards.sweep',
                        \(requestId), \(now))
                RETURNING id),
            n AS (
                INSERT INTO notices (programme_id, customer_id, kind, dedupe_key, payload, locale)
                SELECT \(programmeId), u.id, 'points_restored', 'ledger:' || e.id::text,
                       jsonb_build_object('entry_id', e.id, 'kind', 'reversal', 'points', \(coupon.points)::bigint,
                                          'direction', 'credit', 'card_last4', right(\(account.cardNumber)::text, 4),
                                          'available', \(available)::bigint, 'voucher_number', \(coupon.voucherNumber)::text),
                       u.locale
                FROM e, customers u WHERE u.id = \(account.customerId)
                ON CONFLICT (dedupe_key) DO NOTHING)
            SELECT id FROM e
            """
        ).one().decode("id")
        try lots.apply(entryId: entryId, LotPlan.payingDebt(draws, credit: coupon.points, balance: account.available))
        account.available = available
    }
}

/// A programme's rules for rewards: whether an expired coupon's points come back, when members are
/// warned, and whether balances may go below zero (for the account lock).
struct RewardRules: Codable, Sendable, Equatable {
    var refundExpired: Bool
    var expiringNoticeDays: Int
    var allowNegative: Bool

    enum CodingKeys: String, CodingKey {
        case refundExpired = "refund_expired", expiringNoticeDays = "expiring_notice_days", allowNegative = "allow_negative"
    }
}

/// The `reward_rules` of a programme.
struct RewardRulesStore {
    let connection: PostgresConnection
    let programmeId: String

    /// The programme's rules (the defaults where none were set); an unknown programme is refused.
    func load() throws -> RewardRules {
        guard
            let row = try connection.query(
                """
                SELECT p.allow_negative, coalesce(r.refund_expired, false) AS refund_expired,
                       coalesce(r.expiring_notice_days, 3) AS expiring_notice_days
                FROM programmes p LEFT JOIN reward_rules r ON r.programme_id = p.id WHERE p.id = \(programmeId)
                """
            ).first
        else {
            throw FunctionError.notFound(.programmeNotFound, field: "programme", "there is no programme \"\(programmeId)\"")
        }
        return RewardRules(
            refundExpired: try row.decode("refund_expired"), expiringNoticeDays: try row.decode("expiring_notice_days"),
            allowNegative: try row.decode("allow_negative"))
    }

    /// Changes the rules given, keeping the others.
    func update(refundExpired: Bool?, expiringNoticeDays: Int?) throws {
        try connection.query(
            """
            INSERT INTO reward_rules (programme_id, refund_expired, expiring_notice_days)
            VALUES (\(programmeId), coalesce(\(refundExpired), false), coalesce(\(expiringNoticeDays)::integer, 3))
            ON CONFLICT (programme_id) DO UPDATE SET
                refund_expired = coalesce(\(refundExpired), reward_rules.refund_expired),
                expiring_notice_days = coalesce(\(expiringNoticeDays)::integer, reward_rules.expiring_notice_days)
            """)
    }
}
