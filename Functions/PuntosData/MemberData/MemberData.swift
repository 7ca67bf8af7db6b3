import FoundationEssentials
import PuntosCore
package import PuntosPostgres
package import PuntosRuntime

/// `member-data`: a member's data exported (one JSON document of everything Puntos holds on them),
/// erased (personal data removed, the ledger's sums kept), or two records of one person merged
/// (`MemberMerge`). For an administrator: signed routes only.
package struct MemberData: FunctionHandler {
    package static let name = "member-data"

    package static let httpRoutes = [
        "POST /members/export": "export",
        "POST /members/erase": "erase",
        "POST /members/merge": "merge",
    ]

    package init() {}

    package func handle(_ event: MemberDataEvent, context: FunctionContext) throws -> MemberDataResult {
        switch event {
        case .export(let member):
            let identifier = try MemberIdentifier(member)
            let programme = try Validate.programme(member.programme)
            guard member.reason == nil else {
                throw FunctionError.badInput(.invalidValue, field: "reason", "reason is for erase only")
            }
            return try context.database.withTransaction(isolation: .repeatableRead) { connection in
                let customer = try identifier.resolve(programme, connection)
                guard let customer else { throw identifier.notFound }
                // A customer merged into another is that one now: the survivor's document has both histories.
                let survivor = try MergeStore(connection: connection).survivor(of: customer)
                return MemberDataResult(member: try MemberExportStore.document(survivor, connection))
            }
        case .erase(let member):
            let identifier = try MemberIdentifier(member)
            let programme = try Validate.programme(member.programme)
            let reason = try Validate.optionalText(member.reason, field: "reason", maxLength: 500)
            return try context.database.withTransaction { connection in
                MemberDataResult(
                    erasure: try MemberErasure(connection: connection, context: context)
                        .erase(identifier, programme: programme, reason: reason))
            }
        case .merge(let merge):
            return MemberDataResult(merge: try MemberMerge(context: context).merge(merge))
        }
    }
}

/// The one identifier an event names a member by, validated and normalised as stored.
struct MemberIdentifier {
    enum Value {
        case customerId(Int64), cardNumber(String), externalId(String), email(String), phone(String)
    }

    let value: Value
    /// Where the identifier sits in the event: "" at the top, "absorbed." or "survivor." in a merge.
    let prefix: String
    /// The phone as given: its E.164 form depends on the programme's default country code.
    private let rawPhone: String?

    init(_ member: MemberDataEvent.Member) throws {
        try self.init(
            customerId: member.customerId, cardNumber: member.cardNumber, externalId: member.externalId, email: member.email,
            phone: member.phone, prefix: "")
    }

    init(_ member: MemberReference, prefix: String) throws {
        try self.init(
            customerId: member.customerId, cardNumber: member.cardNumber, externalId: member.externalId, email: member.email,
            phone: member.phone, prefix: prefix)
    }

    init(customerId: Int64?, cardNumber: String?, externalId: String?, email: String?, phone: String?, prefix: String) throws {
        self.prefix = prefix
        let given = [
            customerId.map { _ in "customer_id" }, cardNumber.map { _ in "card_number" },
            externalId.map { _ in "external_id" }, email.map { _ in "email" }, phone.map { _ in "phone" },
        ].compactMap { $0 }
        guard given.count == 1 else {
            throw FunctionError.badInput(
                .invalidLookup, field: prefix.isEmpty ? "$" : String(prefix.dropLast()),
                "give exactly one of customer_id, card_number, external_id, email and phone")
        }
        rawPhone = phone
        if let id = customerId {
            guard id > 0 else {
                throw FunctionError.badInput(.invalidValue, field: prefix + "customer_id", "customer_id must be positive")
            }
            value = .customerId(id)
        } else if let card = cardNumber {
            value = .cardNumber(try Validate.cardNumber(card, field: prefix + "card_number").digits)
        } else if let external = externalId {
            value = .externalId(try Validate.text(external, field: prefix + "external_id", maxLength: 128))
        } else if let email {
            value = .email(try Validate.email(email, field: prefix + "email").value)
        } else {
            value = .phone(phone ?? "")
        }
    }

    /// The identifier's kind, as a column and an erasure digest name it.
    var kind: String {
        switch value {
        case .customerId: "customer_id"
        case .cardNumber: "card_number"
        case .externalId: "external_id"
        case .email: "email"
        case .phone: "phone"
        }
    }

    /// The field a refusal names.
    var field: String { prefix + kind }

    var notFound: FunctionError {
        FunctionError.notFound(.memberNotFound, field: field, "there is no such member in this programme")
    }

    /// The value as stored (the phone in E.164 by the programme's default country code).
    func stored(_ programme: Programme) throws -> String {
        switch value {
        case .customerId(let id): String(id)
        case .cardNumber(let text), .externalId(let text), .email(let text): text
        case .phone:
            try Validate.phone(rawPhone ?? "", field: field, defaultCountryCode: programme.defaultCountryCode).e164
        }
    }

    /// The customer's id, or nil when the programme has no such member; an unknown programme is
    /// `programme_not_found`.
    func resolve(_ programmeID: String, _ connection: PostgresConnection) throws -> Int64? {
        let programme = try Programme.load(programmeID, from: connection)
        return try MemberStore(connection: connection).customerId(value, stored: try stored(programme), programme: programmeID)
    }
}
