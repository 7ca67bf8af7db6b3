package import PuntosPostgres
package import PuntosRuntime

/// Where a card is in its life (`cards.status`). A customer holds at most one active card.
/// (Ledger reads card statuses too: this belongs in PuntosCore once Core takes it.)
package enum CardStatus: String, Sendable, Codable, CaseIterable, PostgresEncodable, PostgresDecodable {
    case active, blocked, replaced

    /// The refusal for using a card in this status: `card_blocked`, `card_replaced`; an active card is
    /// no refusal, so `.active` answers `internal_error` (a bug if ever thrown).
    package var refusal: FunctionError.Code {
        switch self {
        case .blocked: .cardBlocked
        case .replaced: .cardReplaced
        case .active: .internalError
        }
    }
}

/// How a card number came to be (`cards.origin`): drawn by Puntos, or printed and linked.
enum CardOrigin: String, Sendable, Codable, CaseIterable, PostgresEncodable, PostgresDecodable {
    case virtual, printed
}

/// What happened to a card (`card_events.kind`), append-only.
enum CardEventKind: String, Sendable, CaseIterable, PostgresEncodable, PostgresDecodable {
    case issued, linked, blocked, replaced, replacement
}
