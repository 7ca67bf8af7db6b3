import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// An organisation as the `organisations` table keeps it.
struct OrganisationRow: Sendable {
    var id: Int64
    var code: String
    var name: String
    var type: OrganisationType
    var points: OrganisationPoints
    var moderated: Bool
    var poolCustomerId: Int64?
    var poolCardNumber: String?

    init(_ row: PostgresRow) throws {
        id = try row.decode("id")
        code = try row.decode("code")
        name = try row.decode("name")
        type = try row.decode("type")
        points = try row.decode("points")
        moderated = try row.decode("moderated")
        poolCustomerId = try row.decodeIfPresent("pool_customer_id")
        poolCardNumber = try row.decodeIfPresent("pool_card_number")
    }

    var view: OrganisationView {
        OrganisationView(
            organisation: code, name: name, type: type, points: points, moderated: moderated, poolCardNumber: poolCardNumber)
    }
}

/// An organisation's terms, validated.
struct OrganisationTerms: Equatable {
    var name: String
    var type: OrganisationType
    var points: OrganisationPoints
    var moderated: Bool
}

/// The `organisations` table of one programme, and the pools of pooled ones.
struct OrganisationStore {
    let connection: PostgresConnection
    let programmeId: String
    let requestId: String
    let now: Date

    /// The reason a pool's card is blocked: it is never presented, members spend with their own.
    static let poolCardReason = "an organisation's pool: members earn and spend with their own cards"

    /// The organisation `code`; `organisation_not_found` when the programme has none.
    func find(_ code: String, forUpdate: Bool = false) throws -> OrganisationRow {
        guard let found = try lookup(code, forUpdate: forUpdate) else {
            throw FunctionError.notFound(
                .organisationNotFound, field: "organisation", "there is no organisation \(code) in programme \(programmeId)")
        }
        return found
    }

    /// The organisation `code`, nil when the programme has none.
    func lookup(_ code: String, forUpdate: Bool = false) throws -> OrganisationRow? {
        let rows =
            forUpdate
            ? try connection.query(
                """
                SELECT o.id, o.code, o.name, o.type, o.points, o.moderated, o.pool_customer_id,
                       puntos_current_card(o.pool_customer_id) AS pool_card_number
                FROM organisations o WHERE o.programme_id = \(programmeId) AND o.code = \(code) FOR UPDATE
                """)
            : try connection.query(
                """
                SELECT o.id, o.code, o.name, o.type, o.points, o.moderated, o.pool_customer_id,
                       puntos_current_card(o.pool_customer_id) AS pool_card_number
                FROM organisations o WHERE o.programme_id = \(programmeId) AND o.code = \(code)
                """)
        return try rows.first.map(OrganisationRow.init)
    }

    /// Creates the organisation, or changes its name, type and moderation. Its `points` are fixed once
    /// it exists (`points_mode_fixed`): a pool's points never become members' nor the reverse.
    func define(_ code: String, _ terms: OrganisationTerms, programme: Programme) throws -> OrganisationRow {
        if let existing = try lookup(code, forUpdate: true) {
            guard existing.points == terms.points else {
                throw FunctionError.refused(
                    .pointsModeFixed, field: "points",
                    "organisation \(code) keeps its points \(existing.points.rawValue); they cannot become \(terms.points.rawValue)"
                )
            }
            try connection.query(
                """
                UPDATE organisations SET name = \(terms.name), type = \(terms.type), moderated = \(terms.moderated),
                                         updated_at = \(now)
                WHERE id = \(existing.id)
                  AND (name, type, moderated) IS DISTINCT FROM (\(terms.name)::text, \(terms.type)::text, \(terms.moderated)::boolean)
                """)
            return try find(code)
        }
        let pool = terms.points == .pooled ? try createPool(name: terms.name, programme: programme) : nil
        guard
            try connection.query(
                """
                INSERT INTO organisations (programme_id, code, name, type, points, moderated, pool_customer_id, created_at, updated_at)
                VALUES (\(programmeId), \(code), \(terms.name), \(terms.type), \(terms.points), \(terms.moderated), \(pool),
                        \(now), \(now))
                ON CONFLICT (programme_id, code) DO NOTHING RETURNING id
                """
            ).first != nil
        else {
            throw FunctionError.temporary(.contention, "organisation \(code) was being created by another request; retry")
        }
        return try find(code)
    }

    /// A pool: a customer row with no identity, and its one card, issued blocked.
    private func createPool(name: String, programme: Programme) throws -> Int64 {
        let customerId: Int64 = try connection.query(
            """
            INSERT INTO customers (programme_id, name, organisation_pool) VALUES (\(programmeId), \(name), true) RETURNING id
            """
        ).one().decode("id")
        for _ in 0..<5 {
            let number = CardNumber.generate(prefix: programme.cardPrefix, length: programme.cardLength).digits
            let issued = try connection.query(
                """
                WITH c AS (
                    INSERT INTO cards (number, programme_id, customer_id, origin, status, status_reason, issued_at, status_changed_at)
                    VALUES (\(number), \(programmeId), \(customerId), 'virtual', 'blocked', \(Self.poolCardReason), \(now), \(now))
                    ON CONFLICT (number) DO NOTHING RETURNING number)
                INSERT INTO card_events (card_number, kind, reason, source, request_id, at)
                SELECT c.number, k.kind, k.reason, 'organisations.organisation', \(requestId), \(now)
                FROM c, (VALUES (1, 'issued', NULL::text), (2, 'blocked', \(Self.poolCardReason)::text)) AS k(n, kind, reason)
                ORDER BY k.n
                RETURNING card_number
                """)
            if !issued.isEmpty { return customerId }
        }
        throw FunctionError.temporary(.contention, "no free card number for the pool; retry")
    }
}
