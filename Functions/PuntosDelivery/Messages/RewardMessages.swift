/// The messages about rewards: a coupon bought (its code, what it cost, until when), a coupon about
/// to expire. The payload carries the coupon's code, never the card number.
extension MessageTemplates.Phrasing {
    /// The coupon's last day, as a date.
    private var validUntil: String { facts.text("valid_until").map { String($0.prefix(10)) } ?? "?" }
    private var reward: String { facts.text("reward_name") ?? facts.text("reward_code") ?? "" }
    private var coupon: String { facts.text("coupon_code") ?? "" }

    var rewardBought: RenderedNotice {
        let points = pointsMoved
        return RenderedNotice(
            subject: pick("Your reward: \(reward)", "Tu recompensa: \(reward)", "Ваша награда: \(reward)"),
            line: pick(
                "You bought \(reward) for \(points) points. Your coupon \(coupon) is valid until \(validUntil).\(balance)",
                "Compraste \(reward) por \(points) puntos. Tu cupón \(coupon) vale hasta el \(validUntil).\(balance)",
                "Вы получили «\(reward)» за \(points) баллов. Купон \(coupon) действует до \(validUntil).\(balance)"),
            link: nil)
    }

    var couponExpiring: RenderedNotice {
        RenderedNotice(
            subject: pick(
                "Your coupon expires on \(validUntil)", "Tu cupón vence el \(validUntil)", "Купон истекает \(validUntil)"),
            line: pick(
                "Your coupon \(coupon) for \(reward) expires on \(validUntil). Use it before then.",
                "Tu cupón \(coupon) de \(reward) vence el \(validUntil). Úsalo antes.",
                "Купон \(coupon) на «\(reward)» истекает \(validUntil). Успейте им воспользоваться."),
            link: nil)
    }
}
