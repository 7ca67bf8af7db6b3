package import FoundationEssentials
import PuntosRuntime

/// `member-data` kind `merge`: the customer `absorbed` becomes part of `survivor` (the same person: a
/// printed card at the till and a web account), each named by exactly one identifier.
package struct MergeEvent: Codable, Sendable, Equatable {
    package var kind: String
    package var programme: String?
    package var absorbed: MemberReference
    package var survivor: MemberReference
    /// Why: kept in the merge log.
    package var reason: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, programme, absorbed, survivor, reason
    }
}

/// A member named by exactly one of its identifiers, inside an event (a merge's two sides).
package struct MemberReference: Codable, Sendable, Equatable {
    package var customerId: Int64?
    package var cardNumber: String?
    package var externalId: String?
    package var email: String?
    package var phone: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case email, phone
        case customerId = "customer_id", cardNumber = "card_number", externalId = "external_id"
    }

    package init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        customerId = try container.decodeIfPresent(Int64.self, forKey: .customerId)
        cardNumber = try container.decodeIfPresent(String.self, forKey: .cardNumber)
        externalId = try container.decodeIfPresent(String.self, forKey: .externalId)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        phone = try container.decodeIfPresent(String.self, forKey: .phone)
    }
}

/// What a merge did; a repeated merge answers the first one's summary.
package struct MergeSummary: Codable, Sendable, Equatable {
    package var programme: String
    package var absorbedCustomerId: Int64
    package var survivorCustomerId: Int64
    package var mergedAt: Date
    /// Points moved, by bucket (the survivor's balance grew by exactly these).
    package var available: Int64
    package var pending: Int64
    package var held: Int64
    /// Lots with points left that moved (each keeps its id, expiry and pending or active state).
    package var lotsMoved: Int
    /// Open holds that moved (their voucher commits or releases on the survivor).
    package var holdsMoved: Int
    package var invoicesMoved: Int
    package var couponsMoved: Int
    /// The absorbed customer's cards, now the survivor's.
    package var cardsMoved: [String]
    /// The absorbed customer's active card, replaced by the survivor's active card (it still acts on
    /// the survivor's account when presented); nil when the survivor had no active card.
    package var cardReplaced: String?
    package var subscriptionsMoved: Int
    /// The absorbed customer's live alerts the survivor already had (same sku, kind and store): removed.
    package var subscriptionsRemoved: Int
    package var agreementsCopied: Int
    package var notificationSettingsMoved: Bool
    package var unsubscribesCopied: Int

    enum CodingKeys: String, CodingKey {
        case programme, available, pending, held
        case absorbedCustomerId = "absorbed_customer_id", survivorCustomerId = "survivor_customer_id"
        case mergedAt = "merged_at", lotsMoved = "lots_moved", holdsMoved = "holds_moved"
        case invoicesMoved = "invoices_moved", couponsMoved = "coupons_moved", cardsMoved = "cards_moved"
        case cardReplaced = "card_replaced", subscriptionsMoved = "subscriptions_moved"
        case subscriptionsRemoved = "subscriptions_removed", agreementsCopied = "agreements_copied"
        case notificationSettingsMoved = "notification_settings_moved", unsubscribesCopied = "unsubscribes_copied"
    }
}
