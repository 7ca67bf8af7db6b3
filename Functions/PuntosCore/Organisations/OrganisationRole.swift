import PuntosRuntime

/// A member's role in an organisation (`organisation_members.role`): what the member may do with a
/// pooled organisation's points. Every member earns into the pool and sees its balance; only an
/// `owner` (who runs the account) or a `buyer` (who orders for the organisation) may spend it.
package enum OrganisationRole: String, StoredVocabulary, CaseIterable {
    case owner, buyer, viewer

    /// Whether a member in this role may hold or redeem a pool's points.
    package var maySpendPool: Bool { self != .viewer }
}
