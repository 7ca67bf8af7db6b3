import FoundationEssentials
import PuntosCore
package import PuntosRuntime

/// The facts a message is made from: a notice's payload, with the customer's name.
package struct NoticeFacts: Sendable {
    package var kind: String
    package var name: String?
    package var payload: [String: JSONValue]

    package init(kind: String, name: String?, payload: [String: JSONValue]) {
        self.kind = kind
        self.name = name
        self.payload = payload
    }

    /// A payload value as text: strings as they are, numbers in their exact digits.
    package func text(_ key: String) -> String? {
        switch payload[key] {
        case .string(let value)?: value
        case .number(let value)?: value.description
        case .bool(let value)?: value ? "true" : "false"
        default: nil
        }
    }

    var product: String { text("product_name") ?? text("sku") ?? "" }
    func price(_ key: String) -> String {
        let amount = text(key).map(Money.display) ?? "?"
        return text("currency").map { "\(amount) \($0)" } ?? amount
    }
}

/// One notice rendered: a subject, a line of text, a link to show with it.
package struct RenderedNotice: Sendable, Equatable {
    package var subject: String
    package var line: String
    package var link: String?
}

/// Messages per kind and locale (English, Spanish, Russian); any other locale reads English, and a
/// kind without a template gets a generic message that still carries the payload's facts.
package enum MessageTemplates {
    package static let locales = ["en", "es", "ru"]

    package static func language(_ locale: String?) -> String {
        let language = String((locale ?? "en").prefix(2))
        return locales.contains(language) ? language : "en"
    }

    package static func render(_ facts: NoticeFacts, locale: String?) -> RenderedNotice {
        let phrasing = Phrasing(language: language(locale), facts: facts)
        switch NoticeKind(rawValue: facts.kind) {
        case .priceDrop: return phrasing.priceDrop
        case .backInStock: return phrasing.backInStock
        case .alertConfirm: return phrasing.alertConfirm
        case .pointsEarned, .pointsSpent, .pointsReturned, .pointsExpiring:
            return phrasing.points(NoticeKind(rawValue: facts.kind))
        default: return phrasing.generic
        }
    }

    /// One notice's facts in one language; `pick` chooses the English, Spanish or Russian text.
    struct Phrasing {
        let language: String
        let facts: NoticeFacts

        func pick(_ en: String, _ es: String, _ ru: String) -> String { language == "es" ? es : language == "ru" ? ru : en }

        var priceDrop: RenderedNotice {
            let product = facts.product
            let old = facts.text("old_price") != nil ? facts.price("old_price") : nil
            let new = facts.price("new_price")
            let was = old.map { pick(" (was \($0))", " (antes \($0))", " (было \($0))") } ?? ""
            return RenderedNotice(
                subject: pick("Price drop: \(product)", "Bajó de precio: \(product)", "Цена снижена: \(product)"),
                line: pick(
                    "\(product) now costs \(new)\(was).", "\(product) ahora cuesta \(new)\(was).",
                    "\(product) теперь стоит \(new)\(was)."),
                link: facts.text("url"))
        }

        var backInStock: RenderedNotice {
            let product = facts.product
            return RenderedNotice(
                subject: pick("Back in stock: \(product)", "De nuevo disponible: \(product)", "Снова в наличии: \(product)"),
                line: pick(
                    "\(product) is back in stock.", "\(product) vuelve a estar disponible.", "\(product) снова в наличии."),
                link: facts.text("url"))
        }

        var alertConfirm: RenderedNotice {
            let product = facts.product
            return RenderedNotice(
                subject: pick(
                    "Confirm your alert for \(product)", "Confirma tu alerta de \(product)", "Подтвердите подписку на \(product)"),
                line: pick(
                    "Please confirm that you want alerts about \(product) by opening this link:",
                    "Confirma que quieres recibir alertas de \(product) abriendo este enlace:",
                    "Подтвердите, что хотите получать уведомления о \(product), открыв ссылку:"),
                link: facts.text("confirm_url"))
        }

        /// Points earned, spent, returned or expiring, with the invoice and the balance when known.
        func points(_ kind: NoticeKind) -> RenderedNotice {
            let points = facts.text("points") ?? "0"
            let balance =
                facts.text("balance").map {
                    pick(" Your balance: \($0) points.", " Tu saldo: \($0) puntos.", " Ваш баланс: \($0) баллов.")
                } ?? ""
            let invoice = facts.text("invoice_number").map { pick(" (invoice \($0))", " (factura \($0))", " (чек \($0))") } ?? ""
            switch kind {
            case .pointsEarned:
                return RenderedNotice(
                    subject: pick("You earned \(points) points", "Has ganado \(points) puntos", "Вам начислено \(points) баллов"),
                    line: pick(
                        "You earned \(points) points\(invoice).\(balance)", "Has ganado \(points) puntos\(invoice).\(balance)",
                        "Вам начислено \(points) баллов\(invoice).\(balance)"),
                    link: nil)
            case .pointsSpent:
                return RenderedNotice(
                    subject: pick("You spent \(points) points", "Has usado \(points) puntos", "Списано \(points) баллов"),
                    line: pick(
                        "You spent \(points) points\(invoice).\(balance)", "Has usado \(points) puntos\(invoice).\(balance)",
                        "Списано \(points) баллов\(invoice).\(balance)"),
                    link: nil)
            case .pointsReturned:
                return RenderedNotice(
                    subject: pick("\(points) points returned", "\(points) puntos devueltos", "Возвращено \(points) баллов"),
                    line: pick(
                        "\(points) points were returned to you\(invoice).\(balance)",
                        "Se te devolvieron \(points) puntos\(invoice).\(balance)",
                        "Вам возвращено \(points) баллов\(invoice).\(balance)"),
                    link: nil)
            default:
                let date = facts.text("expires_at").map { String($0.prefix(10)) }
                let when = date.map { pick(" on \($0)", " el \($0)", " \($0)") } ?? pick(" soon", " pronto", " скоро")
                return RenderedNotice(
                    subject: pick(
                        "\(points) points expire\(when)", "\(points) puntos caducan\(when)", "\(points) баллов сгорят\(when)"),
                    line: pick(
                        "\(points) of your points expire\(when).\(balance)", "\(points) de tus puntos caducan\(when).\(balance)",
                        "\(points) ваших баллов сгорят\(when).\(balance)"),
                    link: nil)
            }
        }

        /// A kind without a template: a generic line that still carries the payload's facts.
        var generic: RenderedNotice {
            let details = facts.payload.keys.sorted().compactMap { key in facts.text(key).map { "\(key): \($0)" } }.joined(
                separator: ", ")
            let kind = String(facts.kind.map { $0 == "_" ? " " : $0 })
            return RenderedNotice(
                subject: pick("News about your account", "Novedades de tu cuenta", "Новости вашего счёта"),
                line: pick("Update (\(kind))", "Novedad (\(kind))", "Обновление (\(kind))")
                    + (details.isEmpty ? "." : ": \(details)."),
                link: nil)
        }
    }

    package static func greeting(_ name: String?, locale: String?) -> String {
        switch language(locale) {
        case "es": name.map { "Hola, \($0):" } ?? "Hola:"
        case "ru": name.map { "Здравствуйте, \($0)!" } ?? "Здравствуйте!"
        default: name.map { "Hello \($0)," } ?? "Hello,"
        }
    }

    package static func digestSubject(count: Int, locale: String?) -> String {
        switch language(locale) {
        case "es": "Tienes \(count) novedades"
        case "ru": "У вас \(count) новых уведомлений"
        default: "You have \(count) updates"
        }
    }

    package static func unsubscribeLabel(locale: String?) -> String {
        switch language(locale) {
        case "es": "Darse de baja"
        case "ru": "Отписаться"
        default: "Unsubscribe"
        }
    }

    package static func smsStop(locale: String?) -> String {
        switch language(locale) {
        case "es": "Baja"
        case "ru": "Отписка"
        default: "Stop"
        }
    }
}
