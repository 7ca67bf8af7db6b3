package import PuntosRuntime

/// A card's state (`cards.status`): active until blocked or replaced.
package enum CardStatus: String, StoredVocabulary {
    case active, blocked, replaced
}

extension FunctionError.Code {
    /// The refusal for using a card that is not active.
    package static func cardIs(_ status: CardStatus) -> Self {
        switch status {
        case .blocked: .cardBlocked
        case .replaced: .cardReplaced
        case .active: .internalError
        }
    }
}
