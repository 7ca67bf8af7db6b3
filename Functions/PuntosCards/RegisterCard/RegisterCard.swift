import FoundationEssentials
import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// `register-card`: issue, link, look up, block and replace cards, and record the agreement.
package struct RegisterCard: FunctionHandler {
    package static let name = "register-card"

    package static let httpRoutes = [
        "POST /cards": "issue",
        "POST /cards/link": "link",
        "GET /cards": "lookup",
        "GET /cards/{card_number}": "lookup",
        "POST /cards/{card_number}/agreement": "accept_agreement",
        "POST /cards/{card_number}/block": "block",
        "POST /cards/{card_number}/replace": "replace",
        "POST /cards/{card_number}/referral-code": "referral_code",
    ]

    package init() {}

    package func handle(_ event: RegisterCardEvent, context: FunctionContext) throws -> CardView {
        switch event {
        case .issue(let event): try issue(event, context)
        case .link(let event): try link(event, context)
        case .lookup(let event): try lookup(event, context)
        case .acceptAgreement(let event): try acceptAgreement(event, context)
        case .block(let event): try block(event, context)
        case .replace(let event): try replace(event, context)
        case .referralCode(let event): try referralCode(event, context)
        }
    }

    /// Runs a write once per idempotency key, with the programme loaded and a card store at hand.
    func write<Request: Encodable>(
        _ scope: String, programme id: String?, key: String?, request: Request, _ context: FunctionContext,
        _ body: (CardStore) throws -> CardView
    ) throws -> CardView {
        let programmeID = try Validate.programme(id)
        return try Idempotency.run(
            database: context.database, programme: programmeID, scope: "register-card.\(scope)",
            key: key, request: request
        ) { connection in
            try body(CardStore(connection: connection, programme: try Programme.load(programmeID, from: connection)))
        }
    }

    private func issue(_ event: RegisterCardEvent.Issue, _ context: FunctionContext) throws -> CardView {
        let referralCode = try event.referralCode.map { try ReferralCode.parse($0, field: "referral_code") }
        return try write("issue", programme: event.programme, key: event.idempotencyKey, request: event, context) { store in
            let identity = try CustomerIdentity.validate(
                event.customer, field: "customer",
                defaultCountryCode: store.programme.defaultCountryCode)
            let customerId = try store.findOrCreateCustomer(identity, field: "customer")
            // A customer holds one active card: issuing again returns it.
            let number =
                try store.activeCardNumber(customerId: customerId)
                ?? store.issueVirtualCard(customerId: customerId, source: "register-card.issue", requestId: context.requestId)
                .digits
            return try referred(store.requireView(number: number), by: referralCode, identity, store, context)
        }
    }

    private func link(_ event: RegisterCardEvent.Link, _ context: FunctionContext) throws -> CardView {
        let number = try Validate.cardNumber(event.cardNumber, field: "card_number")
        let referralCode = try event.referralCode.map { try ReferralCode.parse($0, field: "referral_code") }
        return try write("link", programme: event.programme, key: event.idempotencyKey, request: event, context) { store in
            let identity = try CustomerIdentity.validate(
                event.customer, field: "customer",
                defaultCountryCode: store.programme.defaultCountryCode)
            let customerId = try store.findOrCreateCustomer(identity, field: "customer")
            if let existing = try store.view(number: number.digits) {
                guard existing.customer.id == customerId else {
                    throw FunctionError.refused(
                        .cardTaken, field: "card_number", "this card number is linked to another customer")
                }
                // Linked already: the same answer again.
                return try referred(existing, by: referralCode, identity, store, context)
            }
            if try store.activeCardNumber(customerId: customerId) != nil {
                throw FunctionError.refused(
                    .customerHasCard, field: "customer",
                    "the customer already has an active card; replace it to move to this one")
            }
            guard
                try store.insertCard(
                    number: number, customerId: customerId, origin: .printed,
                    source: "register-card.link", requestId: context.requestId)
            else {
                throw FunctionError.refused(.cardTaken, field: "card_number", "this card number is linked to another customer")
            }
            return try referred(store.requireView(number: number.digits), by: referralCode, identity, store, context)
        }
    }

    private func lookup(_ event: RegisterCardEvent.Lookup, _ context: FunctionContext) throws -> CardView {
        let programmeID = try Validate.programme(event.programme)
        let given = [event.cardNumber, event.email, event.phone, event.externalId].compactMap { $0 }
        guard given.count == 1 else {
            throw FunctionError.badInput(
                .invalidLookup, field: "$",
                "give exactly one of card_number, email, phone and external_id")
        }
        let cardNumber = try event.cardNumber.map { try Validate.cardNumber($0, field: "card_number") }
        let email = try event.email.map { try Validate.email($0, field: "email") }
        let externalId = try Validate.optionalText(event.externalId, field: "external_id", maxLength: 128)
        return try context.database.withTransaction(isolation: .repeatableRead) { connection in
            let store = CardStore(connection: connection, programme: try Programme.load(programmeID, from: connection))
            if let cardNumber { return try store.requireView(number: cardNumber.digits) }
            let phone = try event.phone.map {
                try Validate.phone($0, field: "phone", defaultCountryCode: store.programme.defaultCountryCode)
            }
            let field = email != nil ? "email" : phone != nil ? "phone" : "external_id"
            guard let customerId = try store.customerId(externalId: externalId, email: email?.value, phone: phone?.e164),
                let number = try store.currentCardNumber(customerId: customerId)
            else {
                throw FunctionError.notFound(
                    .cardNotFound, field: field, "no card belongs to that \(field.replacingUnderscores)")
            }
            return try store.requireView(number: number)
        }
    }

    private func acceptAgreement(_ event: RegisterCardEvent.AcceptAgreement, _ context: FunctionContext) throws -> CardView {
        let number = try Validate.cardNumber(event.cardNumber, field: "card_number")
        let version = try Validate.text(event.version, field: "version", maxLength: 64)
        let acceptedAt = event.acceptedAt ?? context.now
        guard acceptedAt <= context.now.addingTimeInterval(300) else {
            throw FunctionError.badInput(.invalidValue, field: "accepted_at", "accepted_at must not be in the future")
        }
        return try write("accept_agreement", programme: event.programme, key: event.idempotencyKey, request: event, context) {
            store in
            let card = try store.lockCard(number: number.digits)
            guard card.status == .active else {
                throw FunctionError.refused(
                    .cardIs(card.status), field: "card_number", "the card is \(card.status.rawValue)")
            }
            try store.acceptAgreement(
                customerId: card.customerId, version: version, acceptedAt: acceptedAt,
                source: "register-card.accept_agreement", requestId: context.requestId)
            return try store.requireView(number: number.digits)
        }
    }

    private func block(_ event: RegisterCardEvent.Block, _ context: FunctionContext) throws -> CardView {
        let number = try Validate.cardNumber(event.cardNumber, field: "card_number")
        let reason = try Validate.text(event.reason, field: "reason", maxLength: 500)
        return try write("block", programme: event.programme, key: event.idempotencyKey, request: event, context) { store in
            let card = try store.lockCard(number: number.digits)
            switch card.status {
            case .active:
                try store.block(
                    number: number.digits, reason: reason, at: context.now, source: "register-card.block",
                    requestId: context.requestId)
            case .blocked:
                break  // blocked already: nothing changes
            case .replaced:
                throw FunctionError.refused(.cardReplaced, field: "card_number", "the card was replaced; block its replacement")
            }
            return try store.requireView(number: number.digits)
        }
    }

    private func replace(_ event: RegisterCardEvent.Replace, _ context: FunctionContext) throws -> CardView {
        let number = try Validate.cardNumber(event.cardNumber, field: "card_number")
        let newNumber = try event.newCardNumber.map { try Validate.cardNumber($0, field: "new_card_number") }
        let reason = try Validate.optionalText(event.reason, field: "reason", maxLength: 500)
        if newNumber == number {
            throw FunctionError.badInput(
                .invalidValue, field: "new_card_number", "new_card_number must differ from card_number")
        }
        return try write("replace", programme: event.programme, key: event.idempotencyKey, request: event, context) { store in
            let card = try store.lockCard(number: number.digits)
            if let replacedBy = card.replacedBy {
                // Replaced already: the same request answers with the same replacement.
                guard newNumber == nil || newNumber?.digits == replacedBy else {
                    throw FunctionError.refused(
                        .cardReplaced, field: "card_number", "the card was already replaced by another card")
                }
                return try store.requireView(number: replacedBy)
            }
            if let newNumber, try store.view(number: newNumber.digits) != nil {
                throw FunctionError.refused(.cardTaken, field: "new_card_number", "new_card_number is already in use")
            }
            let replacement =
                newNumber ?? CardNumber.generate(prefix: store.programme.cardPrefix, length: store.programme.cardLength)
            guard
                try store.replace(
                    old: number.digits, with: replacement, origin: newNumber == nil ? .virtual : .printed,
                    customerId: card.customerId, reason: reason, at: context.now,
                    source: "register-card.replace", requestId: context.requestId)
            else {
                throw FunctionError.temporary(.contention, "the new card number was taken meanwhile; retry")
            }
            return try store.requireView(number: replacement.digits)
        }
    }
}

extension String {
    fileprivate var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
