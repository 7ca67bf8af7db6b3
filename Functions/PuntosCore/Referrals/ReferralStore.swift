package import FoundationEssentials
package import PuntosPostgres
import PuntosRuntime

/// What a registration with a referral code answers: pending (until the referred customer's first
/// qualifying purchase), credited, or refused with the reason.
package struct ReferralView: Codable, Sendable, Equatable {
    package var status: String
    package var reason: String?
    package var invoiceNumber: String?

    package init(status: String, reason: String? = nil, invoiceNumber: String? = nil) {
        self.status = status
        self.reason = reason
        self.invoiceNumber = invoiceNumber
    }

    enum CodingKeys: String, CodingKey { case status, reason, invoiceNumber = "invoice_number" }
}

/// Referral codes and the referrals recorded at registration (`register-card`), in the caller's
/// transaction. Crediting them is the ledger's (`earn-sweep` kind `referrals`).
package struct ReferralStore {
    package let connection: PostgresConnection
    package let programmeId: String

    package init(connection: PostgresConnection, programmeId: String) {
        self.connection = connection
        self.programmeId = programmeId
    }

    /// The customer's referral code, issued on first ask (one per customer).
    package func code(customerId: Int64) throws -> ReferralCode {
        for _ in 0..<3 {
            let fresh = ReferralCode.generate()
            let rows = try connection.query(
                """
                WITH i AS (
                    INSERT INTO referral_codes (code, programme_id, customer_id)
                    VALUES (\(fresh.value), \(programmeId), \(customerId)) ON CONFLICT DO NOTHING RETURNING code)
                SELECT code FROM i
                UNION ALL SELECT code FROM referral_codes WHERE customer_id = \(customerId)
                """)
            if let row = rows.first { return ReferralCode(value: try row.decode("code")) }
            // The random code was taken (or another transaction issued this customer's meanwhile): again.
        }
        throw FunctionError.temporary(.contention, "the referral code is being issued by another request; retry")
    }

    /// The referrer holding `code` (with the cards it held before this transaction: one issued now is
    /// the registration's), or a `referral_code_not_found` refusal naming `field`.
    package func referrer(_ code: ReferralCode, field: String) throws -> ReferralGuard.Party {
        guard
            let row = try connection.query(
                """
                SELECT u.id, u.email, u.phone,
                       array_to_json(ARRAY(SELECT number FROM cards WHERE customer_id = u.id AND issued_at < now()
                                           ORDER BY number))::text AS cards
                FROM referral_codes r JOIN customers u ON u.id = r.customer_id
                WHERE r.code = \(code.value) AND r.programme_id = \(programmeId)
                """
            ).first
        else {
            throw FunctionError.notFound(.referralCodeNotFound, field: field, "no member of the programme holds that code")
        }
        return try party(row)
    }

    /// Records that `referredId`, registering `card` with `given` contacts, was referred with `code`:
    /// pending, or refused by a guard (the refusal kept with its reason). A customer already referred
    /// answers with that referral, whatever code it gives now.
    package func register(
        code: ReferralCode, field: String, referredId: Int64, email: String?, phone: String?, card: String,
        requestId: String, now: Date
    ) throws -> ReferralView {
        let referrer = try self.referrer(code, field: field)
        if let existing = try connection.query(
            """
            SELECT status, reason, invoice_number FROM referrals WHERE referred_id = \(referredId) AND status <> 'refused'
            """
        ).first {
            return ReferralView(
                status: try existing.decode("status"), reason: try existing.decodeIfPresent("reason"),
                invoiceNumber: try existing.decodeIfPresent("invoice_number"))
        }
        let stored = try party(
            try connection.query(
                """
                SELECT u.id, u.email, u.phone,
                       array_to_json(ARRAY(SELECT number FROM cards WHERE customer_id = u.id ORDER BY number))::text AS cards
                FROM customers u WHERE u.id = \(referredId)
                """
            ).one())
        // A card issued before this transaction began: the customer was a member already.
        let wasMember: Bool = try connection.query(
            "SELECT EXISTS (SELECT 1 FROM cards WHERE customer_id = \(referredId) AND issued_at < now()) AS was_member"
        ).one().decode("was_member")
        // The contacts given count as much as those stored: giving the referrer's phone is the guard's business.
        let referred = ReferralGuard.Party(
            customerId: referredId, email: email ?? stored.email, phone: phone ?? stored.phone,
            cardNumbers: stored.cardNumbers)
        let refusal = ReferralGuard.refusal(referrer: referrer, referred: referred, card: card, wasMember: wasMember)
        let status = refusal == nil ? "pending" : "refused"
        let decidedAt: Date? = refusal == nil ? nil : now
        try connection.query(
            """
            INSERT INTO referrals (programme_id, code, referrer_id, referred_id, status, reason, request_id, created_at, decided_at)
            VALUES (\(programmeId), \(code.value), \(referrer.customerId), \(referredId),
                    \(status), \(refusal?.rawValue), \(requestId), \(now), \(decidedAt))
            """)
        return ReferralView(status: status, reason: refusal?.rawValue)
    }

    private func party(_ row: PostgresRow) throws -> ReferralGuard.Party {
        let cards: String = try row.decode("cards")
        return ReferralGuard.Party(
            customerId: try row.decode("id"), email: try row.decodeIfPresent("email"), phone: try row.decodeIfPresent("phone"),
            cardNumbers: try JSONCoding.decoder().decode([String].self, from: Data(cards.utf8)))
    }
}
