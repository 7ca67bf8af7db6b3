/// Who a message is for, as one text key: `c:<customer id>` for a customer, else `e:<e-mail>`, else
/// `p:<phone>`. Unsubscribes, alert subscribers and the daily cap are kept by this key. Its SQL twin is
/// `puntos_recipient_key` and `puntos_recipient_keys` (migration 0095); RecipientKeyTests checks that
/// the two agree.
package struct RecipientKey: StoredVocabulary, Hashable {
    package let rawValue: String

    package init?(rawValue: String) {
        guard rawValue.count > 2, ["c:", "e:", "p:"].contains(rawValue.prefix(2)) else { return nil }
        self.rawValue = rawValue
    }

    private init(_ prefix: String, _ value: String) { rawValue = prefix + value }

    package static func customer(_ id: Int64) -> RecipientKey { RecipientKey("c:", String(id)) }
    package static func email(_ address: String) -> RecipientKey { RecipientKey("e:", address) }
    package static func phone(_ e164: String) -> RecipientKey { RecipientKey("p:", e164) }

    /// The key a notice or subscription is kept under: the customer when known, else the e-mail,
    /// else the phone; nil with none of them.
    package static func of(customerId: Int64?, email: String?, phone: String?) -> RecipientKey? {
        if let customerId { return .customer(customerId) }
        if let email { return .email(email) }
        return phone.map(RecipientKey.phone)
    }

    /// Every key a person is known by: a stop under any of them stops messages to them.
    package static func all(customerId: Int64?, email: String?, phone: String?) -> [RecipientKey] {
        [customerId.map(RecipientKey.customer), email.map(RecipientKey.email), phone.map(RecipientKey.phone)]
            .compactMap { $0 }
    }
}
