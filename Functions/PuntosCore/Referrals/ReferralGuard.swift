/// The fraud guards a referral passes when the referred customer registers, each refusal with its
/// reason: the same card, e-mail or phone as the referrer, the referrer itself, or a customer who
/// was a member before. (The cap per referrer is checked when the referral would be credited.)
package enum ReferralGuard {
    /// A customer as the guards compare them.
    package struct Party: Sendable, Equatable {
        package var customerId: Int64
        package var email: String?
        package var phone: String?
        package var cardNumbers: [String]

        package init(customerId: Int64, email: String?, phone: String?, cardNumbers: [String]) {
            self.customerId = customerId
            self.email = email
            self.phone = phone
            self.cardNumbers = cardNumbers
        }
    }

    package enum Refusal: String, Sendable, Codable, CaseIterable {
        case sameCard = "same_card"
        case sameEmail = "same_email"
        case samePhone = "same_phone"
        case selfReferral = "self_referral"
        case notNewCustomer = "not_new_customer"
        /// At crediting: the referrer has had as many referrals credited as the programme allows.
        case referrerCapReached = "referrer_cap_reached"
    }

    /// Why `referred` (registering `card`, with the e-mail and phone it gave or has) may not be
    /// referred by `referrer`; nil when it may. `wasMember`: the referred customer had a card before.
    /// In this order: the referrer's e-mail (however written) or phone; the referrer's card; the
    /// referrer itself on another card; a customer who was a member already.
    package static func refusal(referrer: Party, referred: Party, card: String, wasMember: Bool) -> Refusal? {
        if let a = referrer.email.map(canonicalEmail), let b = referred.email.map(canonicalEmail), a == b {
            return .sameEmail
        }
        if let a = referrer.phone, a == referred.phone { return .samePhone }
        if referrer.cardNumbers.contains(card) { return .sameCard }
        if referrer.customerId == referred.customerId { return .selfReferral }
        if wasMember { return .notNewCustomer }
        return nil
    }

    /// One mailbox however it is written: lower case, without a `+tag`, and for Gmail without dots
    /// (`Jo.Doe+ref@googlemail.com` is `jodoe@gmail.com`).
    package static func canonicalEmail(_ email: String) -> String {
        let lower = email.lowercased()
        guard let at = lower.lastIndex(of: "@") else { return lower }
        var local = String(lower[..<at])
        var domain = String(lower[lower.index(after: at)...])
        if let plus = local.firstIndex(of: "+") { local = String(local[..<plus]) }
        if domain == "googlemail.com" { domain = "gmail.com" }
        if domain == "gmail.com" { local = local.filter { $0 != "." } }
        return local + "@" + domain
    }
}
