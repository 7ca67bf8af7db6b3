import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

extension AccrueEvent {
    /// A customer did something the programme rewards (kind `action`): the action's rule in force
    /// says the points and the cap per period.
    package struct Action: Codable, Sendable, Equatable {
        package var kind = "action"
        package var programme: String?
        /// Required: a replayed action changes nothing.
        package var idempotencyKey: String
        package var cardNumber: String?
        package var externalId: String?
        /// The action's name as configured (`sign_up`, `product_review`, `first_app_login`, `survey`).
        package var action: String
        /// What the action was about (a review's id), kept with the credit.
        package var reference: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, action, reference, idempotencyKey = "idempotency_key", cardNumber = "card_number",
                externalId = "external_id"
        }
    }
}

extension Accrue {
    /// Credits an action by its rule, unless its cap for the period is reached (`capped`, nothing
    /// earned) or the customer has not accepted the agreement (`not_eligible`). The birthday comes
    /// from the schedule only.
    func action(_ event: AccrueEvent.Action, _ context: FunctionContext) throws -> AccrueResult {
        let reference = try AccountReference(cardNumber: event.cardNumber, externalId: event.externalId)
        let action = try ActionRule.name(event.action)
        guard action != ActionRule.birthday else {
            throw FunctionError.badInput(
                .invalidValue, field: "action", "the birthday is credited by the birthday sweep (earn-sweep), not by an event")
        }
        let about = try Validate.optionalText(event.reference, field: "reference", maxLength: 128)
        return try write("action", programme: event.programme, key: event.idempotencyKey, request: event, context) { store in
            guard let rule = try store.actions.inForce(action), rule.active else {
                throw FunctionError.notFound(
                    .actionNotConfigured, field: "action", "the programme does not reward the action \(action)")
            }
            var account = try store.accounts.lock(reference)
            if store.settings.programme.agreementRequired, account.agreementFrom.map({ $0 > context.now }) ?? true {
                return AccrueResult(
                    invoiceNumber: nil, orderNumber: nil, status: InvoiceStatus.notEligible.rawValue, points: 0,
                    reason: "no_agreement", lines: nil, uncollected: nil, balance: store.balance(account))
            }
            return try store.creditAction(&account, rule: rule, reference: about, source: "accrue.action")
        }
    }
}
