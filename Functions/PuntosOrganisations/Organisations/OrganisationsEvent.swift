package import PuntosRuntime

/// Every event `organisations` understands, told apart by `kind`.
package enum OrganisationsEvent: KindedEvent {
    /// Define an organisation, or change its name, type or moderation.
    case organisation(OrganisationInput)
    /// A customer asks to join (or an administrator adds them): pending where the organisation is moderated.
    case join(Join)
    /// An administrator approves a pending join: the customer is a member from now on.
    case approveMember(Moderation)
    /// An administrator rejects a pending join: the customer is not a member.
    case rejectMember(Moderation)
    /// Sales, points earned and points spent, by member and period. Writes nothing.
    case statistics(Statistics)

    package static let kindTable = EventKinds<OrganisationsEvent>(
        "an organisations event",
        .kind("organisation", OrganisationInput.CodingKeys.self) { .organisation(try OrganisationInput(from: $0)) },
        .kind("join", Join.CodingKeys.self) { .join(try Join(from: $0)) },
        .kind("approve_member", Moderation.CodingKeys.self) { .approveMember(try Moderation(from: $0)) },
        .kind("reject_member", Moderation.CodingKeys.self) { .rejectMember(try Moderation(from: $0)) },
        .kind("statistics", Statistics.CodingKeys.self) { .statistics(try Statistics(from: $0)) })

    package init(from decoder: any Decoder) throws { self = try Self.kindTable.decode(decoder) }

    package struct OrganisationInput: Codable, Sendable, Equatable {
        package var kind = "organisation"
        package var programme: String?
        package var idempotencyKey: String?
        /// The organisation's code, as the path names it.
        package var organisation: String
        package var name: String
        /// company or partner.
        package var type: String
        /// pooled or personal (personal without it); fixed once the organisation exists.
        package var points: String?
        /// Whether joins wait for approve or reject; without it, a partner's do and a company's do not.
        package var moderated: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, organisation, name, type, points, moderated, idempotencyKey = "idempotency_key"
        }
    }

    package struct Join: Codable, Sendable, Equatable {
        package var kind = "join"
        package var programme: String?
        package var idempotencyKey: String?
        package var organisation: String
        package var cardNumber: String?
        package var externalId: String?
        /// owner, buyer or viewer.
        package var role: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, organisation, role, idempotencyKey = "idempotency_key", cardNumber = "card_number",
                externalId = "external_id"
        }
    }

    package struct Moderation: Codable, Sendable, Equatable {
        package var kind: String
        package var programme: String?
        package var idempotencyKey: String?
        package var organisation: String
        package var cardNumber: String?
        package var externalId: String?
        package var reason: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, organisation, reason, idempotencyKey = "idempotency_key", cardNumber = "card_number",
                externalId = "external_id"
        }
    }

    package struct Statistics: Codable, Sendable, Equatable {
        package var kind = "statistics"
        package var programme: String?
        package var organisation: String
        /// The first and last day reported (YYYY-MM-DD, in the programme's time zone), both included.
        package var from: String
        package var to: String
        /// day, week (from Monday), month or year; month without it.
        package var period: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case kind, programme, organisation, from, to, period }
    }
}
