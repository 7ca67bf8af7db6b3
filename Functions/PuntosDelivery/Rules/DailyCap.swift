package import PuntosCore

/// The daily cap: how many messages of one marketing kind (price drops, restocks) a recipient gets
/// on one channel in 24 hours; the rest wait until the window frees. Transactional notices (points
/// earned, spent, returned, held, expiring, ...) and confirmation links are never held by it.
package struct DailyCap: Sendable, Equatable {
    /// `PUNTOS_DAILY_CAP`: the cap of a kind neither the customer nor the programme sets.
    package var defaultCap: Int
    /// The programme's cap per kind (`programmes.daily_caps`).
    package var programmeCaps: [String: Int]
    /// The customer's own cap (`notification_settings.daily_cap`), for every marketing kind.
    package var customerCap: Int?

    package init(defaultCap: Int, programmeCaps: [String: Int] = [:], customerCap: Int? = nil) {
        self.defaultCap = defaultCap
        self.programmeCaps = programmeCaps
        self.customerCap = customerCap
    }

    /// Messages of `kind` a recipient may get per channel in 24 hours; nil for a kind never capped.
    package func limit(for kind: NoticeKind) -> Int? {
        guard kind.noticeClass == .marketing else { return nil }
        return max(0, customerCap ?? programmeCaps[kind.rawValue] ?? defaultCap)
    }

    /// Whether a notice of `kind` waits, `sent` messages of that kind having gone out in the window.
    package func holds(_ kind: NoticeKind, sent: Int) -> Bool {
        guard let limit = limit(for: kind) else { return false }
        return sent >= limit
    }
}
