import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// A membership as `organisation_members` keeps it, with the customer's card and external id.
struct MemberRow: Sendable {
    var id: Int64
    var organisationId: Int64
    var organisation: String
    var customerId: Int64
    var role: OrganisationRole
    var status: MemberStatus
    var requestedAt: Date
    var decidedAt: Date?
    var reason: String?
    var cardNumber: String?
    var externalId: String?

    init(_ row: PostgresRow) throws {
        id = try row.decode("id")
        organisationId = try row.decode("organisation_id")
        organisation = try row.decode("code")
        customerId = try row.decode("customer_id")
        role = try row.decode("role")
        status = try row.decode("status")
        requestedAt = try row.decode("requested_at")
        decidedAt = try row.decodeIfPresent("decided_at")
        reason = try row.decodeIfPresent("reason")
        cardNumber = try row.decodeIfPresent("card_number")
        externalId = try row.decodeIfPresent("external_id")
    }

    var view: MemberView {
        MemberView(
            organisation: organisation, cardNumber: cardNumber, externalId: externalId, role: role.rawValue,
            status: status.rawValue, requestedAt: requestedAt, decidedAt: decidedAt, reason: reason)
    }
}

/// The `organisation_members` table and its append-only history, `organisation_member_events`.
struct MemberStore {
    let connection: PostgresConnection
    let programmeId: String
    let requestId: String
    let now: Date

    /// The customer a card (which must be active) or an external id names in the programme.
    func customerId(_ reference: AccountReference) throws -> Int64 {
        let rows =
            reference.cardNumber != nil
            ? try connection.query(
                """
                SELECT c.customer_id AS id, c.status FROM cards c JOIN customers u ON u.id = c.customer_id
                WHERE c.number = \(reference.cardNumber) AND c.programme_id = \(programmeId) AND NOT u.organisation_pool
                """)
            : try connection.query(
                """
                SELECT id, NULL::text AS status FROM customers
                WHERE programme_id = \(programmeId) AND external_id = \(reference.externalId)
                """)
        guard let row = rows.first
        else {
            throw FunctionError.notFound(
                reference.cardNumber == nil ? .customerNotFound : .cardNotFound, field: reference.field,
                "there is no such \(reference.cardNumber == nil ? "customer" : "card") in programme \(programmeId)")
        }
        if let status: CardStatus = try row.decodeIfPresent("status"), status != .active {
            throw FunctionError.refused(.cardIs(status), field: reference.field, "the card is \(status.rawValue)")
        }
        return try row.decode("id")
    }

    /// The customer's latest membership of the organisation, locked; nil when they never asked to join.
    func latest(organisationId: Int64, customerId: Int64) throws -> MemberRow? {
        try connection.query(
            """
            SELECT m.id, m.organisation_id, o.code, m.customer_id, m.role, m.status, m.requested_at, m.decided_at, m.reason,
                   puntos_current_card(m.customer_id) AS card_number, u.external_id
            FROM organisation_members m JOIN organisations o ON o.id = m.organisation_id
            JOIN customers u ON u.id = m.customer_id
            WHERE m.organisation_id = \(organisationId) AND m.customer_id = \(customerId)
            ORDER BY m.id DESC LIMIT 1 FOR UPDATE OF m
            """
        ).first.map(MemberRow.init)
    }

    /// The customer's pending or approved membership of any organisation, locked.
    func current(customerId: Int64) throws -> MemberRow? {
        try connection.query(
            """
            SELECT m.id, m.organisation_id, o.code, m.customer_id, m.role, m.status, m.requested_at, m.decided_at, m.reason,
                   puntos_current_card(m.customer_id) AS card_number, u.external_id
            FROM organisation_members m JOIN organisations o ON o.id = m.organisation_id
            JOIN customers u ON u.id = m.customer_id
            WHERE m.customer_id = \(customerId) AND m.status IN ('pending', 'approved')
            FOR UPDATE OF m
            """
        ).first.map(MemberRow.init)
    }

    /// Records a join: pending, or approved at once; nil when the customer already has a pending or
    /// approved membership (of this organisation or another), which the unique index keeps to one.
    func insert(organisationId: Int64, customerId: Int64, role: OrganisationRole, status: MemberStatus, source: String)
        throws -> Int64?
    {
        let decided: Date? = status == .pending ? nil : now
        let events: [String] = status == .pending ? ["requested"] : ["requested", status.rawValue]
        return try connection.query(
            """
            WITH m AS (
                INSERT INTO organisation_members (organisation_id, customer_id, role, status, requested_at, decided_at)
                VALUES (\(organisationId), \(customerId), \(role), \(status), \(now), \(decided))
                ON CONFLICT (customer_id) WHERE status IN ('pending', 'approved') DO NOTHING
                RETURNING id, role),
            e AS (
                INSERT INTO organisation_member_events (member_id, kind, role, source, request_id, at)
                SELECT m.id, k.kind, m.role, \(source), \(requestId), \(now)
                FROM m, unnest(\(events)::text[]) WITH ORDINALITY AS k(kind, n) ORDER BY k.n)
            SELECT id FROM m
            """
        ).first?.decode("id")
    }

    /// Decides a pending membership: approved or rejected, with the administrator's reason.
    func decide(memberId: Int64, role: OrganisationRole, _ status: MemberStatus, reason: String?, source: String) throws {
        try connection.query(
            """
            WITH m AS (
                UPDATE organisation_members SET status = \(status), decided_at = \(now), reason = \(reason)
                WHERE id = \(memberId) AND status = 'pending' RETURNING id)
            INSERT INTO organisation_member_events (member_id, kind, role, reason, source, request_id, at)
            SELECT m.id, \(status), \(role), \(reason), \(source), \(requestId), \(now) FROM m
            """)
    }

    /// A membership by id, as answered.
    func member(id: Int64) throws -> MemberRow {
        try MemberRow(
            try connection.query(
                """
                SELECT m.id, m.organisation_id, o.code, m.customer_id, m.role, m.status, m.requested_at, m.decided_at, m.reason,
                       puntos_current_card(m.customer_id) AS card_number, u.external_id
                FROM organisation_members m JOIN organisations o ON o.id = m.organisation_id
                JOIN customers u ON u.id = m.customer_id
                WHERE m.id = \(id)
                """
            ).one())
    }
}
