package import FoundationEssentials
import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// A coupon as stored, with the terms of the version it was bought under.
package struct CouponRow: Sendable, Equatable {
    package var id: Int64
    package var code: String
    package var customerId: Int64
    package var cardNumber: String
    /// The customer's card now (the coupon's card may have been replaced since).
    package var currentCard: String?
    package var rewardCode: String
    package var rewardVersion: Int
    package var terms: RewardTerms
    package var voucherNumber: String
    package var points: Int64
    package var entryId: Int64
    package var partnerCode: String?
    package var status: CouponStatus
    package var validUntil: Date
    package var orderNumber: String?
    package var discount: Decimal?
    package var boughtAt: Date
}

/// A coupon's new row, as a purchase writes it.
package struct NewCoupon {
    var code: CouponCode
    var reward: CatalogueReward
    var customerId: Int64
    var cardNumber: String
    var voucherNumber: String
    var entryId: Int64
    var partnerCode: String?
    var validUntil: Date
}

/// The `coupons` of one programme and their history (`coupon_events`).
package struct CouponStore {
    package let connection: PostgresConnection
    package let programmeId: String
    package let requestId: String
    package let now: Date

    /// Writes a bought coupon and its first event; its id.
    func insert(_ coupon: NewCoupon) throws -> Int64 {
        let id: Int64 = try connection.query(
            """
            INSERT INTO coupons (programme_id, code, reward_id, reward_version, customer_id, card_number, voucher_number,
                                 points, entry_id, partner_code, valid_until, bought_at)
            VALUES (\(programmeId), \(coupon.code.value), \(coupon.reward.id), \(coupon.reward.version), \(coupon.customerId),
                    \(coupon.cardNumber), \(coupon.voucherNumber), \(coupon.reward.terms.pricePoints), \(coupon.entryId),
                    \(coupon.partnerCode), \(coupon.validUntil), \(now))
            RETURNING id
            """
        ).one().decode("id")
        try record(id, .bought, source: "rewards.buy_reward")
        return id
    }

    /// How many coupons of a reward a customer bought in the current `period` (refunded ones
    /// included: they were bought). The caller holds the customer's account lock, so two purchases
    /// of one customer count one after the other.
    func bought(rewardId: Int64, customerId: Int64, period: LimitPeriod) throws -> Int {
        // date_trunc's unit; the whole campaign has none.
        let unit: String? = period == .campaign ? nil : period.rawValue
        return try connection.query(
            """
            SELECT count(*) AS n FROM coupons
            WHERE reward_id = \(rewardId) AND customer_id = \(customerId)
              AND (\(unit)::text IS NULL
                   OR bought_at >= date_trunc(\(unit)::text, \(now)::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
            """
        ).one().decode("n")
    }

    /// The coupon with `code` in this programme, locked when `lock`; an unknown code is refused.
    package func find(_ code: CouponCode, lock: Bool) throws -> CouponRow {
        let rows =
            lock
            ? try connection.query(
                """
                SELECT c.*, puntos_current_card(c.customer_id) AS current_card, r.code AS reward_code, v.name, v.kind, v.amount, v.percent, v.max_discount, v.sku,
                       v.min_order_amount, v.price_points, v.offered_from, v.offered_until, v.valid_days,
                       v.valid_until AS terms_valid_until, v.stock_total, v.per_customer, v.per_customer_period,
                       array_to_string(v.segments, ',') AS segments, v.combinable
                FROM coupons c JOIN rewards r ON r.id = c.reward_id
                JOIN reward_versions v ON v.reward_id = c.reward_id AND v.version = c.reward_version
                WHERE c.programme_id = \(programmeId) AND c.code = \(code.value) FOR UPDATE OF c
                """)
            : try connection.query(
                """
                SELECT c.*, puntos_current_card(c.customer_id) AS current_card, r.code AS reward_code, v.name, v.kind, v.amount, v.percent, v.max_discount, v.sku,
                       v.min_order_amount, v.price_points, v.offered_from, v.offered_until, v.valid_days,
                       v.valid_until AS terms_valid_until, v.stock_total, v.per_customer, v.per_customer_period,
                       array_to_string(v.segments, ',') AS segments, v.combinable
                FROM coupons c JOIN rewards r ON r.id = c.reward_id
                JOIN reward_versions v ON v.reward_id = c.reward_id AND v.version = c.reward_version
                WHERE c.programme_id = \(programmeId) AND c.code = \(code.value)
                """)
        guard let row = rows.first else {
            throw FunctionError.notFound(.couponNotFound, field: "coupon_code", "there is no coupon \(code)")
        }
        return try CouponRow(row)
    }

    /// A customer's coupons, newest first.
    func list(customerId: Int64) throws -> [CouponRow] {
        try connection.query(
            """
            SELECT c.*, puntos_current_card(c.customer_id) AS current_card, r.code AS reward_code, v.name, v.kind, v.amount, v.percent, v.max_discount, v.sku,
                   v.min_order_amount, v.price_points, v.offered_from, v.offered_until, v.valid_days,
                   v.valid_until AS terms_valid_until, v.stock_total, v.per_customer, v.per_customer_period,
                   array_to_string(v.segments, ',') AS segments, v.combinable
            FROM coupons c JOIN rewards r ON r.id = c.reward_id
            JOIN reward_versions v ON v.reward_id = c.reward_id AND v.version = c.reward_version
            WHERE c.customer_id = \(customerId) ORDER BY c.id DESC LIMIT 1000
            """
        ).map(CouponRow.init)
    }

    /// Whether each other coupon used on `order` (not `besides`) may be combined, by its terms.
    func combinableUsedOn(_ order: String, besides id: Int64) throws -> [Bool] {
        try connection.query(
            """
            SELECT v.combinable FROM coupons c
            JOIN reward_versions v ON v.reward_id = c.reward_id AND v.version = c.reward_version
            WHERE c.programme_id = \(programmeId) AND c.order_number = \(order) AND c.status = \(CouponStatus.used) AND c.id <> \(id)
            """
        ).map { try $0.decode("combinable") }
    }

    /// Serialises the coupons used on one order until the transaction ends, so that two coupons that
    /// may not be combined cannot both be used on it at once.
    func lockOrder(_ order: String) throws {
        try connection.query(
            "SELECT pg_advisory_xact_lock(hashtextextended('puntos.coupon_order:' || \(programmeId) || ':' || \(order), 0))")
    }

    /// Marks an active coupon used on an order (the caller holds its lock).
    func markUsed(_ id: Int64, order: String, discount: Decimal) throws {
        try connection.query(
            """
            UPDATE coupons SET status = \(CouponStatus.used), order_number = \(order), discount = \(discount), used_at = \(now)
            WHERE id = \(id) AND status = \(CouponStatus.active)
            """)
        try record(id, .used, order: order, discount: discount, source: "rewards.use_coupon")
    }

    /// Makes a used coupon active again (its order was cancelled).
    func restore(_ id: Int64, order: String) throws {
        try connection.query(
            """
            UPDATE coupons SET status = \(CouponStatus.active), order_number = NULL, discount = NULL, used_at = NULL
            WHERE id = \(id) AND status = \(CouponStatus.used)
            """)
        try record(id, .restored, order: order, source: "rewards.restore_coupon")
    }

    /// Whether the coupon's latest event is a restore from `order` (a repeated restore).
    func lastRestored(_ id: Int64, order: String) throws -> Bool {
        try connection.query(
            """
            SELECT kind = 'restored' AND order_number = \(order) AS same
            FROM coupon_events WHERE coupon_id = \(id) ORDER BY id DESC LIMIT 1
            """
        ).first?.decode("same") ?? false
    }

    /// Active coupons past their date, at most `limit`, oldest first (not locked: the sweep locks each).
    func dueToExpire(limit: Int) throws -> [(id: Int64, code: String, customerId: Int64)] {
        try connection.query(
            """
            SELECT id, code, customer_id FROM coupons
            WHERE programme_id = \(programmeId) AND status = \(CouponStatus.active) AND valid_until <= \(now)
            ORDER BY valid_until, id LIMIT \(limit)
            """
        ).map { (try $0.decode("id"), try $0.decode("code"), try $0.decode("customer_id")) }
    }

    /// Ends a coupon as expired or refunded, if it is still active (false when another sweep got there first).
    func end(_ id: Int64, as status: CouponStatus) throws -> Bool {
        let ended = try !connection.query(
            """
            UPDATE coupons SET status = \(status) WHERE id = \(id) AND status = \(CouponStatus.active) AND valid_until <= \(now)
            RETURNING id
            """
        ).isEmpty
        if ended {
            try record(id, .expired, source: "rewards.sweep")
            if status == .refunded { try record(id, .refunded, source: "rewards.sweep") }
        }
        return ended
    }

    /// Writes a `coupon_expiring` notice for each active coupon expiring within `days`, once per coupon; how many.
    func writeExpiringNotices(days: Int) throws -> Int {
        guard days > 0 else { return 0 }
        return try connection.query(
            """
            INSERT INTO notices (programme_id, customer_id, kind, dedupe_key, payload, locale)
            SELECT c.programme_id, c.customer_id, 'coupon_expiring', 'coupon_expiring:' || c.id::text,
                   jsonb_build_object('coupon_code', c.code, 'reward_name', v.name, 'valid_until', c.valid_until,
                                      'card_last4', right(c.card_number, 4), 'points', c.points),
                   u.locale
            FROM coupons c JOIN reward_versions v ON v.reward_id = c.reward_id AND v.version = c.reward_version
            JOIN customers u ON u.id = c.customer_id
            WHERE c.programme_id = \(programmeId) AND c.status = 'active' AND c.valid_until > \(now)
              AND c.valid_until <= \(now.addingTimeInterval(Double(days) * 86_400))
            ON CONFLICT (dedupe_key) DO NOTHING RETURNING id
            """
        ).count
    }

    private func record(
        _ couponId: Int64, _ kind: CouponEventKind, order: String? = nil, discount: Decimal? = nil, source: String
    ) throws {
        try connection.query(
            """
            INSERT INTO coupon_events (coupon_id, kind, order_number, discount, source, request_id, at)
            VALUES (\(couponId), \(kind), \(order), \(discount), \(source), \(requestId), \(now))
            """)
    }
}

/// What happened to a coupon (`coupon_events.kind`).
enum CouponEventKind: String, StoredVocabulary {
    case bought, used, restored, expired, refunded
}

extension CouponRow {
    init(_ row: PostgresRow) throws {
        id = try row.decode("id")
        code = try row.decode("code")
        customerId = try row.decode("customer_id")
        cardNumber = try row.decode("card_number")
        currentCard = try row.decodeIfPresent("current_card")
        rewardCode = try row.decode("reward_code")
        rewardVersion = try row.decode("reward_version")
        var terms = try RewardTerms(row)
        terms.validUntil = try row.decodeIfPresent("terms_valid_until")
        self.terms = terms
        voucherNumber = try row.decode("voucher_number")
        points = try row.decode("points")
        entryId = try row.decode("entry_id")
        partnerCode = try row.decodeIfPresent("partner_code")
        status = try row.decode("status")
        validUntil = try row.decode("valid_until")
        orderNumber = try row.decodeIfPresent("order_number")
        discount = try row.decodeIfPresent("discount")
        boughtAt = try row.decode("bought_at")
    }
}
