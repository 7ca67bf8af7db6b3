import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// The SQL behind cards and customers, run on a connection inside the caller's transaction.
struct CardStore {
    let connection: PostgresConnection
    let programme: Programme

    init(connection: PostgresConnection, programme: Programme) {
        self.connection = connection
        self.programme = programme
    }

    // MARK: Reading

    /// The card with everything `CardView` shows, or nil.
    func view(number: String) throws -> CardView? {
        let rows = try connection.query(
            """
            SELECT c.number, c.programme_id, c.status, c.origin, c.status_reason, c.replaced_by, c.issued_at,
                   u.id AS customer_id, u.external_id, u.email, u.phone, u.name, u.locale,
                   u.birth_date::text AS birth_date,
                   latest.version AS agreement_version, latest.accepted_at AS agreement_accepted_at,
                   first.accepted_at AS agreement_first_accepted_at
            FROM cards c
            JOIN customers u ON u.id = c.customer_id
            LEFT JOIN LATERAL (SELECT version, accepted_at FROM agreements a WHERE a.customer_id = u.id
                               ORDER BY a.accepted_at DESC, a.id DESC LIMIT 1) latest ON true
            LEFT JOIN LATERAL (SELECT min(accepted_at) AS accepted_at FROM agreements a WHERE a.customer_id = u.id) first ON true
            WHERE c.number = \(number) AND c.programme_id = \(programme.id)
            """)
        guard let row = rows.first else { return nil }
        var agreement: CardView.Agreement?
        if let version = try row.decodeIfPresent("agreement_version", as: String.self) {
            agreement = CardView.Agreement(
                version: version, acceptedAt: try row.decode("agreement_accepted_at"),
                firstAcceptedAt: try row.decode("agreement_first_accepted_at"))
        }
        return CardView(
            card: .init(
                number: try row.decode("number"), programme: try row.decode("programme_id"),
                status: try row.decode("status"), origin: try row.decode("origin"),
                statusReason: try row.decodeIfPresent("status_reason"), replacedBy: try row.decodeIfPresent("replaced_by"),
                issuedAt: try row.decode("issued_at")),
            customer: .init(
                id: try row.decode("customer_id"), externalId: try row.decodeIfPresent("external_id"),
                email: try row.decodeIfPresent("email"), phone: try row.decodeIfPresent("phone"),
                name: try row.decodeIfPresent("name"), locale: try row.decodeIfPresent("locale"),
                birthDate: try row.decodeIfPresent("birth_date")),
            agreement: agreement)
    }

    /// The card, or a `card_not_found` refusal naming `field`.
    func requireView(number: String, field: String = "card_number") throws -> CardView {
        guard let view = try view(number: number) else {
            throw FunctionError.notFound(
                .cardNotFound, field: field,
                "there is no card \(LogRedaction.maskCardNumber(number)) in programme \(programme.id)")
        }
        return view
    }

    /// A customer's current card: Core's one rule (the active card, else the latest issued, ties on the number).
    func currentCardNumber(customerId: Int64) throws -> String? {
        try CurrentCardStore(connection: connection).currentCardNumber(customerId: customerId)
    }

    /// Finds a customer by one identifier.
    func customerId(externalId: String? = nil, email: String? = nil, phone: String? = nil) throws -> Int64? {
        try connection.query(
            """
            SELECT id FROM customers
            WHERE programme_id = \(programme.id) AND (external_id = \(externalId) OR email = \(email) OR phone = \(phone))
            ORDER BY id LIMIT 1
            """
        ).first?.decode("id")
    }

    // MARK: Customers

    /// The customer these identifiers name, created if new, completed with identifiers it lacked.
    /// Identifiers that belong to two different customers, or that contradict the stored ones, are refused.
    func findOrCreateCustomer(_ identity: CustomerIdentity, field: String) throws -> Int64 {
        for _ in 0..<3 {
            let rows = try connection.query(
                """
                SELECT id, external_id, email, phone, birth_date::text AS birth_date FROM customers
                WHERE programme_id = \(programme.id)
                  AND (external_id = \(identity.externalId) OR email = \(identity.email?.value) OR phone = \(identity.phone?.e164))
                ORDER BY id FOR UPDATE
                """)
            if rows.count > 1 {
                throw FunctionError.conflict(
                    .customerMismatch, field: field,
                    "these identifiers belong to \(rows.count) different customers")
            }
            if let row = rows.first {
                let id: Int64 = try row.decode("id")
                try checkSame(row, "external_id", identity.externalId, field: field)
                try checkSame(row, "email", identity.email?.value, field: field)
                try checkSame(row, "phone", identity.phone?.e164, field: field)
                try checkSame(row, "birth_date", identity.birthDate?.description, field: field)
                try connection.query(
                    """
                    UPDATE customers SET external_id = coalesce(external_id, \(identity.externalId)),
                        email = coalesce(email, \(identity.email?.value)), phone = coalesce(phone, \(identity.phone?.e164)),
                        birth_date = coalesce(birth_date, \(identity.birthDate?.description)::date),
                        name = coalesce(\(identity.name), name), locale = coalesce(\(identity.locale), locale)
                    WHERE id = \(id)
                    """)
                return id
            }
            let inserted = try connection.query(
                """
                INSERT INTO customers (programme_id, external_id, email, phone, name, locale, birth_date)
                VALUES (\(programme.id), \(identity.externalId), \(identity.email?.value), \(identity.phone?.e164),
                        \(identity.name), \(identity.locale), \(identity.birthDate?.description)::date)
                ON CONFLICT DO NOTHING RETURNING id
                """)
            if let row = inserted.first { return try row.decode("id") }
            // Another transaction created the customer meanwhile: look again.
        }
        throw FunctionError.temporary(.contention, "the customer is being changed by another request; retry")
    }

    private func checkSame(_ row: PostgresRow, _ column: String, _ given: String?, field: String) throws {
        guard let given, let stored = try row.decodeIfPresent(column, as: String.self), stored != given else { return }
        throw FunctionError.conflict(
            .customerMismatch, field: "\(field).\(column)",
            "the customer found by the other identifiers has a different \(column)")
    }

    // MARK: Cards

    /// Inserts a card; returns false when the number is already taken.
    func insertCard(number: CardNumber, customerId: Int64, origin: CardOrigin, source: String, requestId: String)
        throws -> Bool
    {
        let inserted = try connection.query(
            """
            INSERT INTO cards (number, programme_id, customer_id, origin)
            VALUES (\(number.digits), \(programme.id), \(customerId), \(origin))
            ON CONFLICT (number) DO NOTHING RETURNING number
            """)
        guard !inserted.isEmpty else { return false }
        try recordEvent(
            number: number.digits, kind: origin == .virtual ? .issued : .linked, reason: nil,
            related: nil, source: source, requestId: requestId)
        return true
    }

    /// Issues a new virtual card number, drawing again on the rare collision.
    func issueVirtualCard(customerId: Int64, source: String, requestId: String) throws -> CardNumber {
        for _ in 0..<8 {
            let number = CardNumber.generate(prefix: programme.cardPrefix, length: programme.cardLength)
            if try insertCard(number: number, customerId: customerId, origin: .virtual, source: source, requestId: requestId) {
                return number
            }
        }
        throw FunctionError.bug("could not draw an unused card number in 8 tries: the programme's number space is nearly full")
    }

    /// The customer's active card, if any (there is at most one).
    func activeCardNumber(customerId: Int64) throws -> String? {
        try connection.query(
            """
            SELECT number FROM cards WHERE customer_id = \(customerId) AND status = 'active'
            """
        ).first?.decode("number")
    }

    /// A card row locked for the rest of the transaction.
    struct LockedCard: Sendable {
        var status: CardStatus
        var customerId: Int64
        var replacedBy: String?
    }

    /// Locks the card row for the rest of the transaction and returns its status and customer.
    func lockCard(number: String, field: String = "card_number") throws -> LockedCard {
        guard
            let row = try connection.query(
                """
                SELECT status, customer_id, replaced_by FROM cards
                WHERE number = \(number) AND programme_id = \(programme.id) FOR UPDATE
                """
            ).first
        else {
            throw FunctionError.notFound(
                .cardNotFound, field: field,
                "there is no card \(LogRedaction.maskCardNumber(number)) in programme \(programme.id)")
        }
        return LockedCard(
            status: try row.decode("status"), customerId: try row.decode("customer_id"),
            replacedBy: try row.decodeIfPresent("replaced_by"))
    }

    /// Blocks the card, with the reason kept and a `blocked` event recorded.
    func block(number: String, reason: String, at now: Date, source: String, requestId: String) throws {
        try connection.query(
            """
            UPDATE cards SET status = \(CardStatus.blocked), status_reason = \(reason), status_changed_at = \(now)
            WHERE number = \(number)
            """)
        try recordEvent(number: number, kind: .blocked, reason: reason, related: nil, source: source, requestId: requestId)
    }

    /// Moves the customer from `old` to `new` (inserted here): the old card is marked replaced.
    /// `replaced_by` is checked at commit, so the old card can point at the new one before it exists.
    func replace(
        old: String, with new: CardNumber, origin: CardOrigin, customerId: Int64, reason: String?,
        at now: Date, source: String, requestId: String
    ) throws -> Bool {
        try connection.query(
            """
            UPDATE cards SET status = \(CardStatus.replaced), status_reason = \(reason), replaced_by = \(new.digits), status_changed_at = \(now)
            WHERE number = \(old)
            """)
        guard try insertCard(number: new, customerId: customerId, origin: origin, source: source, requestId: requestId) else {
            return false
        }
        try recordEvent(number: old, kind: .replaced, reason: reason, related: new.digits, source: source, requestId: requestId)
        try recordEvent(
            number: new.digits, kind: .replacement, reason: reason, related: old, source: source, requestId: requestId)
        return true
    }

    private func recordEvent(
        number: String, kind: CardEventKind, reason: String?, related: String?, source: String, requestId: String
    )
        throws
    {
        try connection.query(
            """
            INSERT INTO card_events (card_number, kind, reason, related, source, request_id)
            VALUES (\(number), \(kind), \(reason), \(related), \(source), \(requestId))
            """)
    }

    // MARK: Agreements

    /// Records an acceptance; accepting a version again changes nothing.
    func acceptAgreement(customerId: Int64, version: String, acceptedAt: Date, source: String, requestId: String) throws {
        try connection.query(
            """
            INSERT INTO agreements (customer_id, version, accepted_at, source, request_id)
            VALUES (\(customerId), \(version), \(acceptedAt), \(source), \(requestId))
            ON CONFLICT (customer_id, version) DO NOTHING
            """)
    }
}
