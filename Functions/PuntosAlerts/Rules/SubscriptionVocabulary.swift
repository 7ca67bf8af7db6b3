import PuntosCore

/// What a subscription watches (`alert_subscriptions.kind`).
enum SubscriptionKind: String, StoredVocabulary, CaseIterable {
    case price, stock
}

/// Where a subscription is in its life (`alert_subscriptions.status`).
enum SubscriptionStatus: String, StoredVocabulary, CaseIterable {
    /// A guest's, until the e-mailed link confirms it.
    case pending
    case active
    /// Fired once with `rearm = once`: done, still listed.
    case fired
    case removed
    case expired

    /// A live subscription holds the person's one slot per sku, kind and store.
    var isLive: Bool { self == .pending || self == .active }
}

extension RearmPolicy: StoredVocabulary {}
