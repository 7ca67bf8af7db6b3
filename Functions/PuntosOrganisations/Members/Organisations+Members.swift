import PuntosCore
import PuntosRuntime

/// Joining an organisation, and its moderation: the same shape as a moderated claim. A join to a
/// moderated organisation (a partner's, by default) is `pending` until an administrator approves or
/// rejects it; elsewhere it is approved at once. Only a pending join can be decided
/// (`not_pending_moderation`); each step is a row of `organisation_member_events`.
extension Organisations {
    func join(_ e: OrganisationsEvent.Join, _ context: FunctionContext) throws -> MemberView {
        let code = try Self.code(e.organisation)
        let reference = try AccountReference(cardNumber: e.cardNumber, externalId: e.externalId)
        let role = try OrganisationRole.parse(e.role, field: "role")
        return try OrganisationsStore.write(
            "organisations.join", programme: e.programme, key: e.idempotencyKey, request: e, context
        ) { store in
            let organisation = try store.organisations.find(code)
            let customerId = try store.members.customerId(reference)
            let status: MemberStatus = organisation.moderated ? .pending : .approved
            if let id = try store.members.insert(
                organisationId: organisation.id, customerId: customerId, role: role, status: status,
                source: "organisations.join")
            {
                return try store.members.member(id: id).view
            }
            // Already pending or approved somewhere: the same join again answers the membership as it is.
            guard let current = try store.members.current(customerId: customerId) else {
                throw FunctionError.temporary(.contention, "the membership was being changed by another request; retry")
            }
            guard current.organisationId == organisation.id, current.role == role else {
                throw FunctionError.conflict(
                    .alreadyMember, field: reference.field,
                    "the customer is \(current.status == .pending ? "waiting to join" : "a member of") organisation "
                        + "\(current.organisation) as \(current.role.rawValue)")
            }
            return current.view
        }
    }

    func moderate(_ e: OrganisationsEvent.Moderation, approve: Bool, _ context: FunctionContext) throws -> MemberView {
        let code = try Self.code(e.organisation)
        let reference = try AccountReference(cardNumber: e.cardNumber, externalId: e.externalId)
        let reason = try Validate.optionalText(e.reason, field: "reason", maxLength: 500)
        let scope = approve ? "organisations.approve_member" : "organisations.reject_member"
        return try OrganisationsStore.write(scope, programme: e.programme, key: e.idempotencyKey, request: e, context) { store in
            let organisation = try store.organisations.find(code)
            let customerId = try store.members.customerId(reference)
            guard let member = try store.members.latest(organisationId: organisation.id, customerId: customerId) else {
                throw FunctionError.notFound(
                    .memberNotFound, field: reference.field, "the customer has not asked to join organisation \(code)")
            }
            guard member.status == .pending else {
                throw FunctionError.refused(
                    .notPendingModeration, field: reference.field,
                    "the customer's membership of organisation \(code) is \(member.status.rawValue)")
            }
            try store.members.decide(
                memberId: member.id, role: member.role, approve ? .approved : .rejected, reason: reason, source: scope)
            return try store.members.member(id: member.id).view
        }
    }
}
