package import FoundationEssentials
package import PuntosRuntime

/// Every event `member-data` understands, told apart by `kind`: `export` (everything Puntos holds on
/// one customer, as one JSON document), `erase` (the customer's personal data removed) and `merge` (two
/// records of one person made one, `MergeEvent`).
package enum MemberDataEvent: Sendable, Decodable {
    case export(Member)
    case erase(Member)
    case merge(MergeEvent)

    package static let kinds = ["export", "erase", "merge"]

    private enum KindKey: String, CodingKey { case kind }

    package init(from decoder: any Decoder) throws {
        let kind = try decoder.container(keyedBy: KindKey.self).decode(String.self, forKey: .kind)
        switch kind {
        case "export", "erase":
            try decoder.rejectUnknownKeys(Member.CodingKeys.self)
            let member = try Member(from: decoder)
            self = kind == "export" ? .export(member) : .erase(member)
        case "merge":
            try decoder.rejectUnknownKeys(MergeEvent.CodingKeys.self)
            self = .merge(try MergeEvent(from: decoder))
        default:
            throw FunctionError.badInput(
                .unknownKind, field: "kind",
                "kind \"\(kind)\" is not a member-data event; expected one of: \(Self.kinds.joined(separator: ", "))")
        }
    }

    /// The member, named by exactly one of its identifiers.
    package struct Member: Codable, Sendable, Equatable {
        package var kind: String
        package var programme: String?
        package var customerId: Int64?
        package var cardNumber: String?
        package var externalId: String?
        package var email: String?
        package var phone: String?
        /// Why (erase only): kept in the erasure log.
        package var reason: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, email, phone, reason
            case customerId = "customer_id", cardNumber = "card_number", externalId = "external_id"
        }
    }
}

/// What `member-data` answers: the document (export), what the erasure did (erase) or what the merge
/// did (merge).
package struct MemberDataResult: Codable, Sendable, Equatable {
    package var member: JSONValue?
    package var erasure: ErasureSummary?
    package var merge: MergeSummary?
}

/// What an erasure did; a repeated erasure answers the first one's summary.
package struct ErasureSummary: Codable, Sendable, Equatable {
    package var customerId: Int64
    package var programme: String
    package var erasedAt: Date
    package var cardsBlocked: Int
    package var subscriptionsRemoved: Int
    package var noticesCancelled: Int
    package var noticesScrubbed: Int
    package var deliveryAttemptsScrubbed: Int
    package var unsubscribesRemoved: Int
    package var idempotencyRecordsRemoved: Int
    package var queueMessagesRemoved: Int
    /// Settled payouts whose destination (the provider's card token) was replaced by a tombstone.
    package var payoutsScrubbed: Int

    enum CodingKeys: String, CodingKey {
        case programme
        case customerId = "customer_id", erasedAt = "erased_at", cardsBlocked = "cards_blocked"
        case subscriptionsRemoved = "subscriptions_removed", noticesCancelled = "notices_cancelled"
        case noticesScrubbed = "notices_scrubbed", deliveryAttemptsScrubbed = "delivery_attempts_scrubbed"
        case unsubscribesRemoved = "unsubscribes_removed", idempotencyRecordsRemoved = "idempotency_records_removed"
        case queueMessagesRemoved = "queue_messages_removed", payoutsScrubbed = "payouts_scrubbed"
    }
}

extension ErasureSummary {
    /// An erasure logged before payouts were scrubbed has no `payouts_scrubbed`: it scrubbed none.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        customerId = try container.decode(Int64.self, forKey: .customerId)
        programme = try container.decode(String.self, forKey: .programme)
        erasedAt = try container.decode(Date.self, forKey: .erasedAt)
        cardsBlocked = try container.decode(Int.self, forKey: .cardsBlocked)
        subscriptionsRemoved = try container.decode(Int.self, forKey: .subscriptionsRemoved)
        noticesCancelled = try container.decode(Int.self, forKey: .noticesCancelled)
        noticesScrubbed = try container.decode(Int.self, forKey: .noticesScrubbed)
        deliveryAttemptsScrubbed = try container.decode(Int.self, forKey: .deliveryAttemptsScrubbed)
        unsubscribesRemoved = try container.decode(Int.self, forKey: .unsubscribesRemoved)
        idempotencyRecordsRemoved = try container.decode(Int.self, forKey: .idempotencyRecordsRemoved)
        queueMessagesRemoved = try container.decode(Int.self, forKey: .queueMessagesRemoved)
        payoutsScrubbed = try container.decodeIfPresent(Int.self, forKey: .payoutsScrubbed) ?? 0
    }
}
