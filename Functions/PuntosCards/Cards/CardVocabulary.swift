import PuntosCore

/// How a card number came to be (`cards.origin`): drawn by Puntos, or printed and linked.
enum CardOrigin: String, StoredVocabulary, CaseIterable {
    case virtual, printed
}

/// What happened to a card (`card_events.kind`), append-only.
enum CardEventKind: String, StoredVocabulary, CaseIterable {
    case issued, linked, blocked, replaced, replacement
}
