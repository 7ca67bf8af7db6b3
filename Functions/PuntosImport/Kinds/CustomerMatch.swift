import PuntosCore
import PuntosRuntime

/// What a customer record does, decided from the customers its identifiers already name, by
/// `register-card`'s rule (`findOrCreateCustomer`): identifiers of two customers, or one that
/// contradicts the customer found by the others, are refused; the customer found is completed with
/// what it lacked (an unchanged one is skipped); no customer found is a new one.
enum CustomerMatch: Equatable {
    case create
    case complete(customerId: Int64)
    case unchanged(customerId: Int64)

    struct Stored {
        var id: Int64
        var externalId: String?
        var email: String?
        var phone: String?
        var name: String?
        var locale: String?
    }

    static func decide(_ identity: CustomerIdentity, found: [Stored], field: String) throws(FunctionError) -> CustomerMatch {
        let ids = Set(found.map(\.id))
        guard ids.count <= 1 else {
            throw .conflict(.customerMismatch, field: field, "these identifiers belong to \(ids.count) different customers")
        }
        guard let stored = found.first else { return .create }
        let pairs: [(String, String?, String?)] = [
            ("external_id", identity.externalId, stored.externalId), ("email", identity.email?.value, stored.email),
            ("phone", identity.phone?.e164, stored.phone),
        ]
        for (column, given, had) in pairs {
            if let given, let had, given != had {
                throw .conflict(
                    .customerMismatch, field: "\(field).\(column)",
                    "the customer found by the other identifiers has a different \(column)")
            }
        }
        let adds =
            pairs.contains { $0.1 != nil && $0.2 == nil } || (identity.name != nil && identity.name != stored.name)
            || (identity.locale != nil && identity.locale != stored.locale)
        return adds ? .complete(customerId: stored.id) : .unchanged(customerId: stored.id)
    }
}
