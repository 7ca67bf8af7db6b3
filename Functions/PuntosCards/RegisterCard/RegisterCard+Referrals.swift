import PuntosCore
import PuntosRuntime

/// Referrals at registration: a member's code, and a new customer registering with one.
extension RegisterCard {
    /// The card's customer's referral code, issued on first ask; the same code every time after.
    func referralCode(_ event: RegisterCardEvent.ReferralCodeRequest, _ context: FunctionContext) throws -> CardView {
        let number = try Validate.cardNumber(event.cardNumber, field: "card_number")
        return try write("referral_code", programme: event.programme, key: event.idempotencyKey, request: event, context) {
            store in
            var view = try store.requireView(number: number.digits)
            guard view.card.status == CardStatus.active.rawValue else {
                throw FunctionError.refused(
                    .cardIs(CardStatus(rawValue: view.card.status) ?? .blocked), field: "card_number",
                    "the card is \(view.card.status)")
            }
            let code = try ReferralStore(connection: store.connection, programmeId: store.programme.id).code(
                customerId: view.customer.id)
            view.referralCode = code.description
            return view
        }
    }

    /// The registration's answer, with the referral recorded when a code was given (pending, or
    /// refused by a fraud guard: the card is registered either way).
    func referred(
        _ view: CardView, by code: ReferralCode?, _ identity: CustomerIdentity, _ store: CardStore,
        _ context: FunctionContext
    ) throws -> CardView {
        guard let code else { return view }
        var view = view
        view.referral = try ReferralStore(connection: store.connection, programmeId: store.programme.id).register(
            code: code, field: "referral_code", referredId: view.customer.id, email: identity.email?.value,
            phone: identity.phone?.e164, card: view.card.number, requestId: context.requestId, now: context.now)
        return view
    }
}
