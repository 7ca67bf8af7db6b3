/// The message about a member's tier: up (with what the new tier multiplies points by) or down.
/// The payload carries the tiers' names as the programme gave them.
extension MessageTemplates.Phrasing {
    var tierChanged: RenderedNotice {
        let to = facts.text("to_tier")
        let from = facts.text("from_tier")
        let multiplier = facts.text("multiplier").flatMap { $0 == "1" ? nil : $0 }
        guard facts.text("direction") == "downgrade" else {
            let tier = to ?? "?"
            let was = from.map { pick(" (up from \($0))", " (antes \($0))", " (раньше: \($0))") } ?? ""
            let earn =
                multiplier.map {
                    pick(
                        " Your purchases now earn \($0)× points.", " Tus compras ahora ganan \($0)× puntos.",
                        " Теперь покупки приносят в \($0) раза больше баллов.")
                } ?? ""
            return RenderedNotice(
                subject: pick("Welcome to \(tier)", "Bienvenido a \(tier)", "Добро пожаловать в \(tier)"),
                line: pick(
                    "You have reached \(tier)\(was).\(earn)", "Has alcanzado el nivel \(tier)\(was).\(earn)",
                    "Вы достигли уровня \(tier)\(was).\(earn)"),
                link: nil)
        }
        let now = to ?? pick("no tier", "sin nivel", "без уровня")
        let was = from ?? "?"
        let earn =
            multiplier.map {
                pick(
                    " Your purchases earn \($0)× points.", " Tus compras ganan \($0)× puntos.",
                    " Покупки приносят в \($0) раза больше баллов.")
            } ?? ""
        return RenderedNotice(
            subject: pick("Your tier is now \(now)", "Tu nivel ahora es \(now)", "Ваш уровень теперь: \(now)"),
            line: pick(
                "Your tier changed from \(was) to \(now).\(earn)", "Tu nivel cambió de \(was) a \(now).\(earn)",
                "Ваш уровень изменился: \(was) → \(now).\(earn)"),
            link: nil)
    }
}
