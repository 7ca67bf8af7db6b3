package import PuntosCore
import PuntosRuntime

/// What an organisation is (`organisations.type`).
package enum OrganisationType: String, StoredVocabulary, CaseIterable {
    /// A company client whose staff buy (ONe B2B, SimpleWine's restaurants).
    case company
    /// A partner whose participants sell, joining by moderation (ReBase Smart).
    case partner
}

/// Where members' points live (`organisations.points`).
package enum OrganisationPoints: String, StoredVocabulary, CaseIterable {
    /// In the organisation's pool: members earn into it, and spend it by role.
    case pooled
    /// On each member's own account: the organisation is a reporting group.
    case personal
}

/// A membership's state (`organisation_members.status`).
package enum MemberStatus: String, StoredVocabulary, CaseIterable {
    case pending, approved, rejected
}

extension StoredVocabulary where Self: CaseIterable {
    /// A value as an event gives it; another word is refused naming `field` and the words there are.
    static func parse(_ value: String, field: String) throws -> Self {
        guard let parsed = Self(rawValue: value) else {
            let words = allCases.map(\.rawValue).joined(separator: ", ")
            throw FunctionError.badInput(.invalidValue, field: field, "\(field) must be one of: \(words)")
        }
        return parsed
    }
}
