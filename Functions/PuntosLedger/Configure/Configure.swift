import FoundationEssentials
import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// `configure`: programme rules, promotions and segments, as validated data. Entries written
/// afterwards record the rules in force when they were written.
package struct Configure: FunctionHandler {
    package static let name = "configure"
    package static let httpRoutes = [
        "PUT /programme": "settings", "POST /promotions": "promotion", "PUT /cards/{card_number}/segment": "segment",
        "PUT /programmes/{programme}": "programme", "PUT /segments/{segment}": "segment_rules",
        "PUT /programme/exclusions": "exclusions", "PUT /programmes/{programme}/tiers": "tiers",
        "PUT /programmes/{programme}/actions/{action}": "action", "PUT /programmes/{programme}/referrals": "referrals",
    ]

    package init() {}

    package func handle(_ event: ConfigureEvent, context: FunctionContext) throws -> ConfigureResult {
        switch event {
        case .programme(let e): try programme(e, create: true, context)
        case .settings(let e): try programme(e, create: false, context)
        case .promotion(let e): try promotion(e, context)
        case .segment(let e): try segment(e, context)
        case .segmentRules(let e): try segmentRules(e, context)
        case .exclusions(let e): try exclusions(e, context)
        case .tiers(let e): try tiers(e, context)
        case .action(let e): try action(e, context)
        case .referrals(let e): try referrals(e, context)
        }
    }

    /// Creates (kind `programme` only) or changes a programme: the settings given, checked, become its
    /// next version; a change that changes nothing writes nothing.
    private func programme(_ event: ConfigureEvent.Settings, create: Bool, _ context: FunctionContext) throws
        -> ConfigureResult
    {
        let id = try Validate.programme(event.programme)
        let regions = try SettingsValidation.check(event)
        let e = try ProgrammeValidation.check(event)
        var created = false
        return try Idempotency.run(
            database: context.database, programme: id, scope: "configure.\(event.kind)", key: e.idempotencyKey,
            request: event,
            prepare: { connection in
                if create { created = try ProgrammeSettingsStore(connection: connection).create(id, e) }
            }
        ) { connection in
            let store = ProgrammeSettingsStore(connection: connection)
            let before = try store.load(id).programme
            try store.checkTimeZone(e.timeZone)
            try store.checkCurrency(e.currency, of: before)
            try store.update(id, e, regions: regions)
            var result = ConfigureResult(try store.load(id))
            result.version = try store.recordVersion(id)
            if create { result.created = created }
            return result
        }
    }

    /// A segment's own rules over the programme's, as its next version.
    private func segmentRules(_ e: ConfigureEvent.SegmentRules, _ context: FunctionContext) throws -> ConfigureResult {
        let id = try Validate.programme(e.programme)
        let rule = try ProgrammeValidation.segmentRules(e)
        return try Idempotency.run(
            database: context.database, programme: id, scope: "configure.segment_rules", key: e.idempotencyKey,
            request: e
        ) { connection in
            let store = ProgrammeSettingsStore(connection: connection)
            _ = try store.load(id)
            let recorded = try SegmentRuleStore(connection: connection, programmeId: id).record(
                rule, source: "configure.segment_rules", requestId: context.requestId)
            var result = ConfigureResult(try store.load(id))
            result.segmentRules = recorded
            return result
        }
    }

    private func promotion(_ e: ConfigureEvent.PromotionInput, _ context: FunctionContext) throws -> ConfigureResult {
        let id = try Validate.programme(e.programme)
        let promotion = try SettingsValidation.promotion(e)
        return try Idempotency.run(
            database: context.database, programme: id, scope: "configure.promotion", key: e.idempotencyKey, request: e
        ) { connection in
            _ = try Programme.load(id, from: connection)
            guard
                try PromotionStore(connection: connection, programmeId: id).insert(
                    promotion, startsAt: e.startsAt, endsAt: e.endsAt)
            else {
                throw FunctionError.conflict(
                    .promotionExists, field: "code",
                    "promotion \(e.code) exists; promotions are not edited, end one and add another")
            }
            try PromotionLimitStore(connection: connection, programmeId: id, now: context.now).insert(
                promotionCode: promotion.code, budget: e.budgetPoints, cap: e.capPoints, period: e.capPeriod)
            var result = ConfigureResult(try ProgrammeSettingsStore(connection: connection).load(id))
            result.promotion = promotion
            return result
        }
    }

    private func segment(_ e: ConfigureEvent.Segment, _ context: FunctionContext) throws -> ConfigureResult {
        let id = try Validate.programme(e.programme)
        let card = try Validate.cardNumber(e.cardNumber, field: "card_number").digits
        try SettingsValidation.segment(e.segment)
        return try Idempotency.run(
            database: context.database, programme: id, scope: "configure.segment", key: e.idempotencyKey, request: e
        ) { connection in
            let settings = ProgrammeSettingsStore(connection: connection)
            let accounts = AccountStore(connection: connection, programmeId: id, allowNegative: false)
            guard try accounts.setSegment(e.segment, cardNumber: card) else {
                throw FunctionError.notFound(.cardNotFound, field: "card_number", "there is no such card")
            }
            var result = ConfigureResult(try settings.load(id))
            result.segment = e.segment
            return result
        }
    }

    private func exclusions(_ e: ConfigureEvent.Exclusions, _ context: FunctionContext) throws -> ConfigureResult {
        let id = try Validate.programme(e.programme)
        guard e.excludedBy.count <= 100 else {
            throw FunctionError.badInput(.invalidValue, field: "excluded_by", "excluded_by must list at most 100 programmes")
        }
        let others = try e.excludedBy.enumerated().map { index, name in
            try ProgrammeExclusionStore.name(name, field: "excluded_by[\(index)]")!
        }
        return try Idempotency.run(
            database: context.database, programme: id, scope: "configure.exclusions", key: e.idempotencyKey, request: e
        ) { connection in
            _ = try Programme.load(id, from: connection)
            let store = ProgrammeExclusionStore(connection: connection, programmeId: id)
            try store.set(others)
            var result = ConfigureResult(try ProgrammeSettingsStore(connection: connection).load(id))
            result.excludedBy = try store.list()
            return result
        }
    }
}
