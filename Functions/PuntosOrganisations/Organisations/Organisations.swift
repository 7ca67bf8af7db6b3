import FoundationEssentials
import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// `organisations`: company clients and partners, their members with roles, moderation of joins,
/// and statistics per organisation. Where a pooled organisation's points live (which account a
/// member earns into and spends from) is Core's `OrganisationAccountStore`, read by the ledger.
package struct Organisations: FunctionHandler {
    package static let name = "organisations"
    package static let httpRoutes = [
        "PUT /organisations/{organisation}": "organisation",
        "POST /organisations/{organisation}/members": "join",
        "POST /organisations/{organisation}/members/{card_number}/approve": "approve_member",
        "POST /organisations/{organisation}/members/{card_number}/reject": "reject_member",
        "GET /organisations/{organisation}/statistics": "statistics",
    ]

    package init() {}

    package func handle(_ event: OrganisationsEvent, context: FunctionContext) throws -> OrganisationsResult {
        switch event {
        case .organisation(let e): .organisation(try define(e, context))
        case .join(let e): .member(try join(e, context))
        case .approveMember(let e): .member(try moderate(e, approve: true, context))
        case .rejectMember(let e): .member(try moderate(e, approve: false, context))
        case .statistics(let e): .statistics(try statistics(e, context))
        }
    }

    /// An organisation's code, as the path names it.
    static func code(_ value: String) throws -> String {
        guard (1...64).contains(value.utf8.count),
            value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) })
        else {
            throw FunctionError.badInput(
                .invalidValue, field: "organisation", "organisation must be 1 to 64 letters, digits, _ . or -")
        }
        return value
    }

    private func define(_ e: OrganisationsEvent.OrganisationInput, _ context: FunctionContext) throws -> OrganisationView {
        let code = try Self.code(e.organisation)
        let type = try OrganisationType.parse(e.type, field: "type")
        let terms = OrganisationTerms(
            name: try Validate.text(e.name, field: "name", maxLength: 200), type: type,
            points: try OrganisationPoints.parse(e.points ?? "personal", field: "points"),
            moderated: e.moderated ?? (type == .partner))
        return try OrganisationsStore.write(
            "organisations.organisation", programme: e.programme, key: e.idempotencyKey, request: e, context
        ) { store in
            try store.organisations.define(code, terms, programme: store.programme).view
        }
    }

    private func statistics(_ e: OrganisationsEvent.Statistics, _ context: FunctionContext) throws -> StatisticsResult {
        let code = try Self.code(e.organisation)
        let span = try StatisticsSpan(from: e.from, to: e.to, period: e.period)
        let programmeId = try Validate.programme(e.programme)
        return try context.database.withTransaction(isolation: .repeatableRead) { connection in
            let programme = try Programme.load(programmeId, from: connection)
            let store = OrganisationsStore(connection: connection, programme: programme, context: context)
            let organisation = try store.organisations.find(code)
            let figures = try StatisticsStore(connection: connection, programmeId: programmeId).figures(
                organisationId: organisation.id, poolCustomerId: organisation.poolCustomerId, timeZone: programme.timeZone,
                span: span)
            return StatisticsResult(
                organisation: code, points: organisation.points, currency: programme.currency, from: span.from, to: span.to,
                period: span.period, rows: figures.rows, totals: figures.totals)
        }
    }
}

/// One `organisations` transaction's stores, on one connection.
struct OrganisationsStore {
    let connection: PostgresConnection
    let programme: Programme
    let context: FunctionContext

    var organisations: OrganisationStore {
        OrganisationStore(connection: connection, programmeId: programme.id, requestId: context.requestId, now: context.now)
    }
    var members: MemberStore {
        MemberStore(connection: connection, programmeId: programme.id, requestId: context.requestId, now: context.now)
    }

    /// Runs a write once per idempotency key (`scope` names the kind), in one transaction.
    static func write<Request: Encodable, Output: Codable & Sendable>(
        _ scope: String, programme id: String?, key: String?, request: Request, _ context: FunctionContext,
        _ body: (OrganisationsStore) throws -> Output
    ) throws -> Output {
        let programme = try Validate.programme(id)
        return try Idempotency.run(database: context.database, programme: programme, scope: scope, key: key, request: request) {
            connection in
            try body(
                OrganisationsStore(
                    connection: connection, programme: try Programme.load(programme, from: connection), context: context))
        }
    }
}
