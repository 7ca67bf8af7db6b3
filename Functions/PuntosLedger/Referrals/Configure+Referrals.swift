package import FoundationEssentials
import PuntosCore
import PuntosPostgres
package import PuntosRuntime

extension ConfigureEvent {
    /// What a referral earns, as the programme's next version of its referral rule.
    package struct ReferralsInput: Codable, Sendable, Equatable {
        package var kind = "referrals"
        package var programme: String?
        package var idempotencyKey: String?
        package var referrerPoints: Int64
        package var referredPoints: Int64
        /// The smallest first purchase that qualifies (the programme's currency); 0 without it.
        package var minPurchase: Decimal?
        /// Referrals credited per referrer at most.
        package var capPerReferrer: Int
        /// False switches referrals off; true without it.
        package var active: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, active, idempotencyKey = "idempotency_key", referrerPoints = "referrer_points",
                referredPoints = "referred_points", minPurchase = "min_purchase", capPerReferrer = "cap_per_referrer"
        }
    }
}

extension Configure {
    static func referralRule(_ e: ConfigureEvent.ReferralsInput) throws -> ReferralRule {
        for (field, points) in [("referrer_points", e.referrerPoints), ("referred_points", e.referredPoints)] {
            guard (0...Validate.pointsLimit).contains(points) else {
                throw FunctionError.badInput(.invalidValue, field: field, "\(field) must be 0 to \(Validate.pointsLimit)")
            }
        }
        guard e.referrerPoints + e.referredPoints > 0 else {
            throw FunctionError.badInput(
                .invalidValue, field: "referrer_points", "a referral earns something: referrer_points or referred_points above 0")
        }
        let minimum = try Money.validate(e.minPurchase ?? 0, field: "min_purchase")
        let decimals = minimum.description.split(separator: ".").dropFirst().first?.count ?? 0
        guard minimum < 1_000_000_000_000, decimals <= 2 else {
            throw FunctionError.badInput(
                .invalidValue, field: "min_purchase", "min_purchase must be below 10^12, with at most 2 decimals")
        }
        guard (1...100_000).contains(e.capPerReferrer) else {
            throw FunctionError.badInput(.invalidValue, field: "cap_per_referrer", "cap_per_referrer must be 1 to 100000")
        }
        return ReferralRule(
            version: 0, referrerPoints: e.referrerPoints, referredPoints: e.referredPoints, minPurchase: minimum,
            capPerReferrer: e.capPerReferrer, active: e.active ?? true)
    }

    func referrals(_ e: ConfigureEvent.ReferralsInput, _ context: FunctionContext) throws -> ConfigureResult {
        let id = try Validate.programme(e.programme)
        let rule = try Self.referralRule(e)
        return try Idempotency.run(
            database: context.database, programme: id, scope: "configure.referrals", key: e.idempotencyKey, request: e
        ) { connection in
            let settings = try ProgrammeSettingsStore(connection: connection).load(id)
            var result = ConfigureResult(settings)
            result.referrals = try ReferralRuleStore(connection: connection, programmeId: id).record(
                rule, source: "configure.referrals", requestId: context.requestId)
            return result
        }
    }
}
