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
        case .pointsHeld, .pointsReleased, .pointsRestored, .pointsAdjusted, .pointsActivated, .pointsExpired:
            return phrasing.pointsMoved(NoticeKind(rawValue: facts.kind))
        case .rewardBought: return phrasing.rewardBought
        case .couponExpiring: return phrasing.couponExpiring
        case .tierChanged: return phrasing.tierChanged
        default: return phrasing.generic
        }
    }

    /// One notice's facts in one language; `pick` chooses the English, Spanish or Russian text.
    struct Phrasing {
        let language: String
        let facts: NoticeFacts

        func pick(_ en: String, _ es: String, _ ru: String) -> String { language == "es" ? es : language == "ru" ? ru : en }

        /// The product as the member knows it, with its sku: "Kettle (K-1)", or the sku alone.
        var product: String {
            let sku = facts.text("sku")
            guard let name = facts.text("product_name") else { return sku ?? "" }
            return sku.map { "\(name) (\($0))" } ?? name
        }

        var priceDrop: RenderedNotice {
            let product = product
            let old = facts.text("old_price") != nil ? facts.price("old_price") : nil
            let new = facts.price("new_price")
            let target = facts.text("target_price") != nil ? facts.price("target_price") : nil
            var notes = old.map { [pick("was \($0)", "antes \($0)", "было \($0)")] } ?? []
            notes += target.map { [pick("your target \($0)", "tu precio objetivo \($0)", "ваша цель \($0)")] } ?? []
            let was = notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))"
            return RenderedNotice(
                subject: pick("Price drop: \(product)", "Bajó de precio: \(product)", "Цена снижена: \(product)"),
                line: pick(
                    "\(product) now costs \(new)\(was).", "\(product) ahora cuesta \(new)\(was).",
                    "\(product) теперь стоит \(new)\(was)."),
                link: facts.text("url"))
        }

        var backInStock: RenderedNotice {
            let product = product
            let quantity =
                facts.text("quantity").map { pick(": \($0) available", ": \($0) disponibles", ": \($0) шт.") } ?? ""
            return RenderedNotice(
                subject: pick("Back in stock: \(product)", "De nuevo disponible: \(product)", "Снова в наличии: \(product)"),
                line: pick(
                    "\(product) is back in stock\(quantity).", "\(product) vuelve a estar disponible\(quantity).",
                    "\(product) снова в наличии\(quantity)."),
                link: facts.text("url"))
        }

        var alertConfirm: RenderedNotice {
            let product = product
            let about =
                facts.text("alert") == "stock"
                ? pick("stock alerts", "alertas de disponibilidad", "уведомления о наличии")
                : pick("price alerts", "alertas de precio", "уведомления о цене")
            let until =
                facts.text("confirm_expires_at").map {
                    let day = String($0.prefix(10))
                    return pick(" (valid until \(day))", " (válido hasta el \(day))", " (действует до \(day))")
                } ?? ""
            return RenderedNotice(
                subject: pick(
                    "Confirm your alert for \(product)", "Confirma tu alerta de \(product)", "Подтвердите подписку на \(product)"),
                line: pick(
                    "Please confirm that you want \(about) about \(product) by opening this link\(until):",
                    "Confirma que quieres recibir \(about) de \(product) abriendo este enlace\(until):",
                    "Подтвердите, что хотите получать \(about) о \(product), открыв ссылку\(until):"),
                link: facts.text("confirm_url"))
        }

        /// How many points moved, always positive: the kind (and for an adjustment `direction`)
        /// says which way. A payload written before amounts were positive reads the same.
        var pointsMoved: String {
            let text = facts.text("points") ?? "0"
            return text.hasPrefix("-") ? String(text.dropFirst()) : text
        }

        /// The balance after the change, when the payload has it: available, on which card, and what is
        /// pending or reserved besides.
        var balance: String {
            guard let available = facts.text("available") else { return "" }
            let card =
                facts.text("card_last4").map { pick(" on card ···\($0)", " en la tarjeta ···\($0)", " на карте ···\($0)") } ?? ""
            var besides: [String] = []
            if let pending = facts.text("pending"), pending != "0" {
                besides.append(pick("\(pending) pending", "\(pending) pendientes", "\(pending) ожидают начисления"))
            }
            if let held = facts.text("held"), held != "0" {
                besides.append(pick("\(held) reserved", "\(held) reservados", "\(held) зарезервировано"))
            }
            let more = besides.isEmpty ? "" : " (\(besides.joined(separator: ", ")))"
            return pick(
                " Your balance\(card): \(available) points\(more).", " Tu saldo\(card): \(available) puntos\(more).",
                " Ваш баланс\(card): \(available) баллов\(more).")
        }

        /// The invoice, order and voucher the change is about, those the payload has: " (invoice F-1, order O-1)".
        var references: String {
            let parts = [
                facts.text("invoice_number").map { pick("invoice \($0)", "factura \($0)", "чек \($0)") },
                facts.text("order_number").map { pick("order \($0)", "pedido \($0)", "заказ \($0)") },
                facts.text("voucher_number").map { pick("voucher \($0)", "vale \($0)", "ваучер \($0)") },
            ].compactMap { $0 }
            return parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))"
        }

        /// Points earned, spent, returned or expiring, with the invoice, order or voucher and the balance when known.
        func points(_ kind: NoticeKind) -> RenderedNotice {
            let points = pointsMoved
            let balance = balance
            let invoice = references
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
                    subject: pick(
                        "\(points) points taken back for a return", "\(points) puntos descontados por una devolución",
                        "Списано \(points) баллов за возврат"),
                    line: pick(
                        "\(points) points were taken back for a return\(invoice).\(balance)",
                        "Se descontaron \(points) puntos por una devolución\(invoice).\(balance)",
                        "Списано \(points) баллов за возврат\(invoice).\(balance)"),
                    link: nil)
            default:
                let date = facts.text("expires_at").map { String($0.prefix(10)) }
                let when = date.map { pick(" on \($0)", " el \($0)", " \($0)") } ?? pick(" soon", " pronto", " скоро")
                let days = facts.text("days").map { pick(" in \($0) days", " en \($0) días", " через \($0) дн.") } ?? ""
                return RenderedNotice(
                    subject: pick(
                        "\(points) points expire\(when)", "\(points) puntos caducan\(when)", "\(points) баллов сгорят\(when)"),
                    line: pick(
                        "\(points) of your points expire\(days)\(when).\(balance)",
                        "\(points) de tus puntos caducan\(days)\(when).\(balance)",
                        "\(points) ваших баллов сгорят\(days)\(when).\(balance)"),
                    link: nil)
            }
        }

        /// Points held for an order, released, restored by a cancelled order, adjusted, activated
        /// after the pending window, or expired: the amount, the invoice, order or voucher, the balance.
        func pointsMoved(_ kind: NoticeKind) -> RenderedNotice {
            let points = pointsMoved
            let order = references
            let texts: (subject: [String], line: [String])
            switch kind {
            case .pointsHeld:
                texts = (
                    ["\(points) points reserved", "\(points) puntos reservados", "Зарезервировано \(points) баллов"],
                    [
                        "\(points) points are reserved\(order).",
                        "Reservamos \(points) puntos\(order).",
                        "\(points) баллов зарезервировано\(order).",
                    ]
                )
            case .pointsReleased:
                texts = (
                    ["\(points) points back", "\(points) puntos de vuelta", "\(points) баллов снова доступны"],
                    [
                        "The \(points) points reserved\(order) are yours to use again.",
                        "Los \(points) puntos reservados\(order) vuelven a estar disponibles.",
                        "\(points) зарезервированных баллов\(order) снова доступны.",
                    ]
                )
            case .pointsRestored:
                texts = (
                    ["\(points) points restored", "\(points) puntos restituidos", "\(points) баллов восстановлено"],
                    [
                        "The \(points) points spent\(order) were restored to you.",
                        "Te restituimos los \(points) puntos usados\(order).",
                        "\(points) потраченных баллов\(order) возвращены вам.",
                    ]
                )
            case .pointsAdjusted where facts.text("direction") == "debit":
                texts = (
                    ["\(points) points deducted", "\(points) puntos descontados", "Списано \(points) баллов"],
                    [
                        "\(points) points were deducted from your account\(order).",
                        "Se descontaron \(points) puntos de tu cuenta\(order).",
                        "С вашего счёта списано \(points) баллов\(order).",
                    ]
                )
            case .pointsAdjusted:
                texts = (
                    ["\(points) points added", "\(points) puntos añadidos", "Начислено \(points) баллов"],
                    [
                        "\(points) points were added to your account\(order).",
                        "Se añadieron \(points) puntos a tu cuenta\(order).",
                        "На ваш счёт начислено \(points) баллов\(order).",
                    ]
                )
            case .pointsActivated:
                texts = (
                    ["\(points) points now available", "\(points) puntos ya disponibles", "\(points) баллов теперь доступны"],
                    [
                        "\(points) points are now yours to use\(order).", "Ya puedes usar \(points) puntos\(order).",
                        "\(points) баллов теперь можно потратить\(order).",
                    ]
                )
            default:
                texts = (
                    ["\(points) points expired", "\(points) puntos caducaron", "\(points) баллов сгорело"],
                    [
                        "\(points) of your points expired\(order).", "\(points) de tus puntos caducaron\(order).",
                        "\(points) ваших баллов сгорело\(order).",
                    ]
                )
            }
            return RenderedNotice(
                subject: pick(texts.subject[0], texts.subject[1], texts.subject[2]),
                line: pick(texts.line[0], texts.line[1], texts.line[2]) + balance, link: nil)
        }

        /// A kind without a template: a generic line that still carries the payload's facts.
        var generic: RenderedNotice {
            // Never a card number in full: a payload from before `card_last4` may carry one.
            let details = facts.payload.keys.sorted().filter { $0 != "card_number" }.compactMap { key in
                facts.text(key).map { "\(key): \($0)" }
            }.joined(separator: ", ")
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
