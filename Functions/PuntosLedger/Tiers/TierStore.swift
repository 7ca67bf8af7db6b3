package import FoundationEssentials
import PuntosCore
package import PuntosPostgres
import PuntosRuntime

/// A programme's tier schemes (`tier_schemes`) and its members' tier history (`tier_changes`,
/// migration 0170): both append-only. A member's tier is its latest change's `to_tier`.
package struct TierStore {
    package let connection: PostgresConnection
    package let programmeId: String
    package let requestId: String
    package let now: Date

    package init(connection: PostgresConnection, programmeId: String, requestId: String, now: Date) {
        self.connection = connection
        self.programmeId = programmeId
        self.requestId = requestId
        self.now = now
    }

    /// The scheme in force (the latest version); nil when the programme has no tiers.
    package func scheme() throws -> TierScheme? {
        guard
            let row = try connection.query(
                """
                SELECT version, basis, qualification, window_months, downgrade, grace_days, tiers::text AS tiers
                FROM tier_schemes WHERE programme_id = \(programmeId) ORDER BY version DESC LIMIT 1
                """
            ).first
        else { return nil }
        let tiers: String = try row.decode("tiers")
        return TierScheme(
            version: try row.decode("version"), basis: TierBasis(rawValue: try row.decode("basis")) ?? .points,
            qualification: TierQualification(rawValue: try row.decode("qualification")) ?? .calendarYear,
            windowMonths: try row.decodeIfPresent("window_months"),
            downgrade: TierDowngrade(rawValue: try row.decode("downgrade")) ?? .recompute,
            graceDays: try row.decodeIfPresent("grace_days"),
            tiers: try JSONCoding.decoder().decode([Tier].self, from: Data(tiers.utf8)))
    }

    /// Records `scheme` as the next version when it differs from the latest; the version in force.
    package func record(_ scheme: TierScheme, source: String) throws -> Int {
        if var latest = try self.scheme() {
            let version = latest.version
            latest.version = scheme.version
            if latest == scheme { return version }
        }
        let tiers = try JSONText(encoding: scheme.tiers)
        return try connection.query(
            """
            INSERT INTO tier_schemes (programme_id, version, basis, qualification, window_months, downgrade, grace_days, tiers,
                                      source, request_id, effective_from)
            SELECT \(programmeId), coalesce(max(version), 0) + 1, \(scheme.basis.rawValue), \(scheme.qualification.rawValue),
                   \(scheme.windowMonths), \(scheme.downgrade.rawValue), \(scheme.graceDays), \(tiers)::jsonb,
                   \(source), \(requestId), \(now)
            FROM tier_schemes WHERE programme_id = \(programmeId)
            RETURNING version
            """
        ).one().decode("version")
    }

    /// Takes the member's account lock, as every ledger write does first, without changing the account.
    package func lockAccount(customerId: Int64) throws {
        try connection.query("SELECT customer_id FROM accounts WHERE customer_id = \(customerId) FOR UPDATE")
    }

    /// A member's tier as its latest change left it; nil when it never had one.
    package func state(customerId: Int64) throws -> TierState? {
        try connection.query(
            """
            SELECT to_tier, at, direction FROM tier_changes
            WHERE customer_id = \(customerId) AND programme_id = \(programmeId) ORDER BY id DESC LIMIT 1
            """
        ).first.map {
            TierState(code: try $0.decodeIfPresent("to_tier"), since: try $0.decode("at"), direction: try $0.decode("direction"))
        }
    }

    /// The customer a card belongs to in this programme, if any.
    package func customer(cardNumber: String) throws -> Int64? {
        try connection.query(
            "SELECT customer_id FROM cards WHERE number = \(cardNumber) AND programme_id = \(programmeId)"
        ).first?.decode("customer_id")
    }

    /// What a member has qualified by within `window`. Points: accruals less what returns took back,
    /// each dated by its invoice (an entry without one by its business date). Spend: the money part of
    /// the member's accrued invoices dated in the window, less the returned share of each line.
    package func qualifying(customerId: Int64, _ basis: TierBasis, _ window: TierWindow) throws -> Decimal {
        switch basis {
        case .points:
            return try connection.query(
                """
                SELECT coalesce(sum(e.available_delta + e.pending_delta), 0)::numeric AS total
                FROM ledger_entries e
                LEFT JOIN invoices i ON i.programme_id = e.programme_id AND i.number = e.invoice_number
                WHERE e.customer_id = \(customerId) AND e.programme_id = \(programmeId)
                  AND (e.kind = 'accrual' OR (e.kind = 'reversal' AND e.source = 'accrue.return'))
                  AND coalesce(i.invoiced_at, e.business_at, e.at) BETWEEN \(window.from) AND \(window.until)
                """
            ).one().decode("total")
        case .spend:
            return try connection.query(
                """
                SELECT round(coalesce(sum(((l->>'amount')::numeric - coalesce((l->>'paid_with_points')::numeric, 0))
                                          * ((l->>'quantity')::numeric - coalesce((l->>'returned')::numeric, 0))
                                          / (l->>'quantity')::numeric), 0), 2) AS total
                FROM invoices i CROSS JOIN LATERAL jsonb_array_elements(i.lines) l
                WHERE i.customer_id = \(customerId) AND i.programme_id = \(programmeId) AND i.status = 'accrued'
                  AND i.invoiced_at BETWEEN \(window.from) AND \(window.until)
                """
            ).one().decode("total")
        }
    }

    /// When the member's latest return taking back earned points was recorded, since `from`.
    package func lastReturn(customerId: Int64, since from: Date) throws -> Date? {
        try connection.query(
            """
            SELECT max(at) AS at FROM ledger_entries
            WHERE customer_id = \(customerId) AND programme_id = \(programmeId) AND kind = 'reversal'
              AND source = 'accrue.return' AND at >= \(from)
            """
        ).one().decodeIfPresent("at")
    }

    /// The members whose latest change left them in a tier (those a review may move down).
    package func members(limit: Int) throws -> [Int64] {
        try connection.query(
            """
            SELECT customer_id FROM (
                SELECT DISTINCT ON (customer_id) customer_id, to_tier FROM tier_changes
                WHERE programme_id = \(programmeId) ORDER BY customer_id, id DESC) latest
            WHERE to_tier IS NOT NULL ORDER BY customer_id LIMIT \(limit)
            """
        ).map { try $0.decode("customer_id") }
    }

    /// Appends a tier change and its `tier_changed` notice, in one statement. A notice `withheld` (why:
    /// `invoice_too_old` for history an import brings) is written `suppressed`, not sent.
    package func append(_ change: TierChange, scheme: TierScheme, withheld: String? = nil) throws {
        let from = scheme.tier(change.from)
        let to = scheme.tier(change.to)
        let direction = change.to > change.from ? "upgrade" : "downgrade"
        try connection.query(
            """
            WITH c AS (
                INSERT INTO tier_changes (programme_id, customer_id, from_tier, to_tier, direction, reason, qualifying,
                                          scheme_version, invoice_number, source, request_id, at)
                VALUES (\(programmeId), \(change.customerId), \(from?.code), \(to?.code), \(direction), \(change.reason.rawValue),
                        \(change.qualifying), \(scheme.version), \(change.invoiceNumber), \(change.source), \(requestId), \(now))
                RETURNING id)
            INSERT INTO notices (programme_id, customer_id, kind, dedupe_key, payload, locale, status, last_error)
            SELECT \(programmeId), u.id, 'tier_changed', 'tier:' || c.id::text,
                   jsonb_build_object('tier_change_id', c.id, 'direction', \(direction)::text,
                                      'from_tier', \(from?.name)::text, 'to_tier', \(to?.name)::text,
                                      'reason', \(change.reason.rawValue)::text, 'multiplier', \(to?.multiplier)::numeric),
                   u.locale, \(withheld == nil ? "pending" : "suppressed"), \(withheld)
            FROM c, customers u WHERE u.id = \(change.customerId)
            ON CONFLICT (dedupe_key) DO NOTHING
            """)
    }
}

/// Why a member's tier changed (`tier_changes.reason`).
package enum TierChangeReason: String, Sendable {
    /// An accrual brought the qualifying total over a threshold.
    case qualified
    /// A review at the end of a period found the member short.
    case periodEnd = "period_end"
    /// The grace of `after_x_days` ended without the member requalifying.
    case graceEnded = "grace_ended"
    /// A return took back points the tier rested on.
    case `return`
}

/// One tier change to record: ranks in the scheme (-1: no tier).
package struct TierChange: Sendable, Equatable {
    package var customerId: Int64
    package var from: Int
    package var to: Int
    package var reason: TierChangeReason
    package var qualifying: Decimal
    package var invoiceNumber: String?
    package var source: String

    package init(
        customerId: Int64, from: Int, to: Int, reason: TierChangeReason, qualifying: Decimal, invoiceNumber: String?,
        source: String
    ) {
        self.customerId = customerId
        self.from = from
        self.to = to
        self.reason = reason
        self.qualifying = qualifying
        self.invoiceNumber = invoiceNumber
        self.source = source
    }
}
