package import PuntosCore

/// For each notice kind, the payload keys its message shows and those it leaves out on purpose,
/// with the reason: nothing a notice carries is silently dropped. A payload key in neither list
/// fails LedgerMessageTests and AlertMessageTests; a key listed as shown that does not change the
/// message when it changes fails them too.
package enum PayloadKeys {
    /// Keys the member's message shows for a notice of `kind` (when present and not null).
    package static func shown(_ kind: NoticeKind) -> Set<String> {
        switch kind {
        case .priceDrop: ["sku", "product_name", "url", "currency", "old_price", "new_price", "target_price"]
        case .backInStock: ["sku", "product_name", "url", "quantity"]
        case .alertConfirm: ["confirm_url", "sku", "product_name", "alert", "confirm_expires_at"]
        case .pointsExpiring: ["points", "expires_at", "days", "available", "card_last4"]
        case .pointsAdjusted: pointsShown.union(["direction"])
        case .rewardBought: ["points", "available", "reward_name", "coupon_code", "valid_until"]
        case .couponExpiring: ["coupon_code", "reward_name", "valid_until"]
        case .tierChanged: ["from_tier", "to_tier", "multiplier"]
        default: kind.rawValue.hasPrefix("points_") ? pointsShown : []
        }
    }

    /// Keys a notice of `kind` carries for the shop and the webhook, not for the member, and why.
    package static func notForMember(_ kind: NoticeKind) -> [String: String] {
        switch kind {
        case .priceDrop, .backInStock:
            ["subscription_id": identifier, "store": "the store's code, an identifier of the shop's own"]
        case .alertConfirm: ["store": "the store's code, an identifier of the shop's own"]
        case .pointsExpiring: ["lot_id": identifier]
        case .pointsAdjusted: ["entry_id": identifier, "kind": entryKind]
        case .rewardBought:
            [
                "entry_id": identifier, "kind": entryKind, "direction": "a purchase always spends",
                "card_last4": "the coupon's code identifies it", "voucher_number": "the ledger's reference, for the shop",
                "reward_code": "the catalogue's code: the message names the reward",
            ]
        case .couponExpiring:
            [
                "card_last4": "the coupon's code identifies it",
                "points": "what the coupon cost, for the shop: the message is about its date",
            ]
        case .tierChanged:
            [
                "tier_change_id": identifier, "direction": "the message's words say up or down",
                "reason": "why the tier changed, for the shop (qualified, period_end, grace_ended, return)",
            ]
        default:
            kind.rawValue.hasPrefix("points_")
                ? ["entry_id": identifier, "kind": entryKind, "direction": "the notice's kind says the direction in words"]
                : [:]
        }
    }

    private static let pointsShown: Set<String> = [
        "points", "available", "pending", "held", "card_last4", "invoice_number", "order_number", "voucher_number",
    ]
    private static let identifier = "an internal identifier"
    private static let entryKind = "the ledger entry's kind: the notice's kind says it in words"
}
