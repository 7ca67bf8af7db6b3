import FoundationEssentials
import PuntosCore
import PuntosPostgres
package import PuntosRuntime

/// `rewards`: a catalogue of rewards bought with points, and the coupons they become: defined and
/// versioned by the shop, bought by members (one redemption, one coupon), validated and used once
/// at the checkout, restored when the order is cancelled, expired (and refunded, if the programme
/// says so) by a scheduled sweep.
package struct Rewards: FunctionHandler {
    package static let name = "rewards"
    package static let scheduledEventKind: String? = "sweep"
    package static let httpRoutes = [
        "PUT /rewards/{code}": "reward",
        "POST /rewards/{code}/codes": "reward_codes",
        "POST /rewards/{code}/purchases": "buy_reward",
        "POST /coupons/{coupon_code}/validate": "validate_coupon",
        "POST /coupons/{coupon_code}/use": "use_coupon",
        "POST /coupons/{coupon_code}/restore": "restore_coupon",
        "GET /cards/{card_number}/coupons": "coupons",
        "PUT /coupon-rules": "coupon_rules",
        "POST /coupons/sweep": "sweep",
    ]

    package init() {}

    package func handle(_ event: RewardsEvent, context: FunctionContext) throws -> RewardsResult {
        switch event {
        case .reward(let e): .reward(try define(e, context))
        case .rewardCodes(let e): .reward(try uploadCodes(e, context))
        case .buyReward(let e): .purchase(try buy(e, context))
        case .validateCoupon(let e): .coupon(try validate(e, context))
        case .useCoupon(let e): .coupon(try use(e, context))
        case .restoreCoupon(let e): .coupon(try restore(e, context))
        case .coupons(let e): .coupons(try list(e, context))
        case .couponRules(let e): .rules(try rules(e, context))
        case .sweep(let e): .sweep(try sweep(e, context))
        }
    }

    private func define(_ e: RewardsEvent.RewardInput, _ context: FunctionContext) throws -> RewardView {
        let code = try RewardValidation.code(e.code)
        let terms = try RewardValidation.terms(e)
        return try RewardsStore.write("rewards.reward", programme: e.programme, key: e.idempotencyKey, request: e, context) {
            store in
            RewardView(try store.catalogue.define(code, terms: terms, source: "rewards.reward", requestId: context.requestId))
        }
    }

    private func uploadCodes(_ e: RewardsEvent.RewardCodes, _ context: FunctionContext) throws -> RewardView {
        let code = try RewardValidation.code(e.code)
        guard (1...10_000).contains(e.codes.count) else {
            throw FunctionError.badInput(.invalidValue, field: "codes", "codes must hold 1 to 10000 codes")
        }
        let codes = try e.codes.enumerated().map { try Validate.text($1, field: "codes[\($0)]", maxLength: 128) }
        return try RewardsStore.write("rewards.reward_codes", programme: e.programme, key: e.idempotencyKey, request: e, context)
        {
            store in
            let reward = try store.catalogue.current(code)
            guard reward.terms.type == .voucher else {
                throw FunctionError.badInput(.invalidValue, field: "code", "reward \(code) is not of type voucher")
            }
            _ = try store.catalogue.addCodes(rewardId: reward.id, codes)
            return RewardView(reward, codesLeft: try store.catalogue.freeCodes(rewardId: reward.id))
        }
    }

    private func list(_ e: RewardsEvent.CouponList, _ context: FunctionContext) throws -> CouponsResult {
        let reference = try AccountReference(cardNumber: e.cardNumber, externalId: e.externalId)
        let programme = try Validate.programme(e.programme)
        return try context.database.withTransaction { connection in
            let store = RewardsStore(connection: connection, programmeId: programme, context: context)
            let account = try AccountStore(connection: connection, programmeId: programme, allowNegative: false).read(reference)
            return CouponsResult(
                cardNumber: account.cardNumber,
                coupons: try store.coupons.list(customerId: account.customerId).map { CouponResult($0) })
        }
    }

    private func rules(_ e: RewardsEvent.CouponRules, _ context: FunctionContext) throws -> RulesResult {
        if let days = e.expiringNoticeDays, !(0...365).contains(days) {
            throw FunctionError.badInput(.invalidValue, field: "expiring_notice_days", "expiring_notice_days must be 0 to 365")
        }
        return try RewardsStore.write("rewards.coupon_rules", programme: e.programme, key: e.idempotencyKey, request: e, context)
        {
            store in
            try store.rules.update(refundExpired: e.refundExpired, expiringNoticeDays: e.expiringNoticeDays)
            let rules = try store.rules.load()
            return RulesResult(
                programme: store.programmeId, refundExpired: rules.refundExpired, expiringNoticeDays: rules.expiringNoticeDays)
        }
    }
}

/// One `rewards` transaction's stores, on one connection.
struct RewardsStore {
    let connection: PostgresConnection
    let programmeId: String
    let context: FunctionContext

    var catalogue: RewardStore { RewardStore(connection: connection, programmeId: programmeId) }
    var coupons: CouponStore {
        CouponStore(connection: connection, programmeId: programmeId, requestId: context.requestId, now: context.now)
    }
    var points: PointsPurchaseStore {
        PointsPurchaseStore(connection: connection, programmeId: programmeId, requestId: context.requestId, now: context.now)
    }
    var rules: RewardRulesStore { RewardRulesStore(connection: connection, programmeId: programmeId) }
    func accounts(_ rules: RewardRules) -> AccountStore {
        AccountStore(connection: connection, programmeId: programmeId, allowNegative: rules.allowNegative)
    }

    /// Runs a write once per idempotency key (`scope` names the kind), in one transaction.
    static func write<Request: Encodable, Output: Codable & Sendable>(
        _ scope: String, programme id: String?, key: String?, request: Request, _ context: FunctionContext,
        _ body: (RewardsStore) throws -> Output
    ) throws -> Output {
        let programme = try Validate.programme(id)
        return try Idempotency.run(database: context.database, programme: programme, scope: scope, key: key, request: request) {
            connection in
            _ = try Programme.load(programme, from: connection)
            return try body(RewardsStore(connection: connection, programmeId: programme, context: context))
        }
    }
}
