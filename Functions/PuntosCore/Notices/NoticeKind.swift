/// What a notice is about (`notices.kind`). Open: a kind without a template still gets a generic
/// message, so this is a struct of known kinds rather than a closed enum. In Core because two
/// concepts need it: Alerts takes a customer's channel preferences per kind, Delivery honours them.
package struct NoticeKind: StoredVocabulary, Hashable {
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }

    package static let priceDrop = NoticeKind(rawValue: "price_drop")
    package static let backInStock = NoticeKind(rawValue: "back_in_stock")
    /// A guest's link to confirm an alert: essential, so neither the daily cap nor quiet hours hold it.
    package static let alertConfirm = NoticeKind(rawValue: "alert_confirm")
    package static let pointsEarned = NoticeKind(rawValue: "points_earned")
    package static let pointsSpent = NoticeKind(rawValue: "points_spent")
    package static let pointsReturned = NoticeKind(rawValue: "points_returned")
    package static let pointsExpiring = NoticeKind(rawValue: "points_expiring")
    package static let pointsHeld = NoticeKind(rawValue: "points_held")
    package static let pointsReleased = NoticeKind(rawValue: "points_released")
    package static let pointsRestored = NoticeKind(rawValue: "points_restored")
    package static let pointsAdjusted = NoticeKind(rawValue: "points_adjusted")
    package static let pointsActivated = NoticeKind(rawValue: "points_activated")
    package static let pointsExpired = NoticeKind(rawValue: "points_expired")
    package static let rewardBought = NoticeKind(rawValue: "reward_bought")
    package static let couponExpiring = NoticeKind(rawValue: "coupon_expiring")
    /// A member's tier went up or down (payload `direction`).
    package static let tierChanged = NoticeKind(rawValue: "tier_changed")

    /// Every kind the engine writes.
    package static let known: [NoticeKind] = [
        .priceDrop, .backInStock, .alertConfirm, .pointsEarned, .pointsSpent, .pointsReturned, .pointsExpiring,
        .pointsHeld, .pointsReleased, .pointsRestored, .pointsAdjusted, .pointsActivated, .pointsExpired,
        .rewardBought, .couponExpiring, .tierChanged,
    ]

    /// Marketing (the alerts a customer asked for: price drops, restocks) or transactional (anything
    /// about the customer's own points or alert, which no daily cap ever holds back).
    package var noticeClass: NoticeClass { [.priceDrop, .backInStock].contains(self) ? .marketing : .transactional }
}

/// The two classes of notice a customer may choose channels for, and the daily cap tells apart.
package enum NoticeClass: String, StoredVocabulary, CaseIterable {
    case transactional, marketing
}
