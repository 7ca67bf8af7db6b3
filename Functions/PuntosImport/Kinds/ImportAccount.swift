import Foundation
import PuntosCore
import PuntosPostgres
import PuntosRuntime

/// The account a record names (card number or external id, `AccountReference`), with its natural key.
struct ImportReference {
    var line: Int
    var key: String
    var reference: AccountReference
}

/// The account a record's card resolves to, as `AccountStore.lock` reads one: the card (or the customer's
/// current card), its status, the customer's segment and first agreement; and whether the record's
/// natural key was applied before.
struct ImportAccount {
    var customerId: Int64
    var cardNumber: String
    var status: CardStatus
    var segment: String?
    var agreementFrom: Date?
    var recorded: Bool

    init(_ row: PostgresRow) throws {
        customerId = try row.decode("customer_id")
        cardNumber = try row.decode("card")
        status = try row.decode("status")
        segment = try row.decodeIfPresent("segment")
        agreementFrom = try row.decodeIfPresent("agreement_from")
        recorded = try row.decode("recorded")
    }

    /// The refusals `accrue` gives: no such card, or a card that is not active.
    static func check(_ account: ImportAccount?, reference: AccountReference) -> Result<ImportAccount, FunctionError> {
        guard let account else {
            return .failure(.notFound(.cardNotFound, field: reference.field, "there is no such card in the programme"))
        }
        guard account.status == .active else {
            return .failure(.refused(.cardIs(account.status), field: reference.field, "the card is \(account.status.rawValue)"))
        }
        return .success(account)
    }
}

extension CopyWriter {
    /// The references of a batch, into `import_refs`.
    func references(_ references: [ImportReference]) throws {
        for item in references {
            try row([String(item.line), item.key, item.reference.cardNumber, item.reference.externalId])
        }
    }
}
