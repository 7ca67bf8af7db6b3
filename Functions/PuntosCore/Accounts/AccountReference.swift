import PuntosRuntime

/// The account an event names: by card number, or by the customer's external id (then their
/// current card, `CurrentCard`). Exactly one of `card_number` and `external_id` is given.
package enum AccountReference: Sendable, Equatable {
    case card(String)
    case externalId(String)

    /// Validates the pair an event carries; both or neither is refused naming `card_number`.
    package init(cardNumber: String?, externalId: String?) throws {
        switch (cardNumber, externalId) {
        case (let card?, nil): self = .card(try Validate.cardNumber(card, field: "card_number").digits)
        case (nil, let external?): self = .externalId(try Validate.text(external, field: "external_id", maxLength: 128))
        default:
            throw FunctionError.badInput(.invalidValue, field: "card_number", "give exactly one of card_number and external_id")
        }
    }

    /// The card number, for a statement's `card_number = $n` (nil when named by external id).
    package var cardNumber: String? {
        if case .card(let number) = self { number } else { nil }
    }

    /// The external id, for a statement's `external_id = $n` (nil when named by card).
    package var externalId: String? {
        if case .externalId(let id) = self { id } else { nil }
    }

    /// What orders the messages of a queue batch (`FunctionHandler.batchLockKey`): the reference as
    /// validation reads it (a card's digits), or nil when it is not valid (the message will fail anyway).
    package static func lockKey(cardNumber: String?, externalId: String?) -> String? {
        switch try? AccountReference(cardNumber: cardNumber, externalId: externalId) {
        case .card(let number): "card:" + number
        case .externalId(let id): "external:" + id
        case nil: nil
        }
    }

    /// The field a refusal about this account names.
    package var field: String {
        switch self {
        case .card: "card_number"
        case .externalId: "external_id"
        }
    }
}
