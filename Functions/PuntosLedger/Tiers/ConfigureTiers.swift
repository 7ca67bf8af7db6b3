package import FoundationEssentials
import PuntosCore
import PuntosPostgres
import PuntosRuntime

extension ConfigureEvent {
    /// A programme's tiers (`PUT /programmes/{programme}/tiers`): the whole scheme, which becomes its
    /// next version when it differs from the one in force. Tiers are listed lowest first.
    package struct Tiers: Codable, Sendable, Equatable {
        package var kind = "tiers"
        package var programme: String?
        package var idempotencyKey: String?
        /// points (earned, not the balance) or spend.
        package var basis: String
        /// calendar_year or rolling_months.
        package var window: String
        /// The rolling window's length, 1 to 36 (rolling_months only).
        package var windowMonths: Int?
        /// one_down, recompute or after_x_days.
        package var downgrade: String
        /// The grace of after_x_days, 1 to 365 (after_x_days only).
        package var graceDays: Int?
        package var tiers: [TierInput]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, basis, window, downgrade, tiers
            case idempotencyKey = "idempotency_key", windowMonths = "window_months", graceDays = "grace_days"
        }
    }

    package struct TierInput: Codable, Sendable, Equatable {
        package var code: String
        package var name: String
        package var threshold: Decimal
        /// 1 to 10 (at most 4 decimals); 1 without it.
        package var multiplier: Decimal?

        enum CodingKeys: String, CodingKey, CaseIterable { case code, name, threshold, multiplier }

        package init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            code = try c.decode(String.self, forKey: .code)
            name = try c.decode(String.self, forKey: .name)
            threshold = try c.decode(Decimal.self, forKey: .threshold)
            multiplier = try c.decodeIfPresent(Decimal.self, forKey: .multiplier)
        }
    }
}

/// The checks on a `tiers` event, before anything is read or written, each naming its field.
package enum TierValidation {
    private static func bad(_ field: String, _ message: String) -> FunctionError {
        .badInput(.invalidValue, field: field, message)
    }

    private static func list<T: CaseIterable & RawRepresentable>(_: T.Type) -> String where T.RawValue == String {
        T.allCases.map(\.rawValue).joined(separator: ", ")
    }

    /// The scheme the event describes (version 0: the store numbers it).
    package static func check(_ e: ConfigureEvent.Tiers) throws -> TierScheme {
        guard let basis = TierBasis(rawValue: e.basis) else { throw bad("basis", "basis must be \(list(TierBasis.self))") }
        guard let window = TierQualification(rawValue: e.window) else {
            throw bad("window", "window must be \(list(TierQualification.self))")
        }
        if let months = e.windowMonths, !(1...36).contains(months) {
            throw bad("window_months", "window_months must be 1 to 36")
        }
        guard (window == .rollingMonths) == (e.windowMonths != nil) else {
            throw bad("window_months", "window_months goes with window rolling_months, and only with it")
        }
        guard let downgrade = TierDowngrade(rawValue: e.downgrade) else {
            throw bad("downgrade", "downgrade must be \(list(TierDowngrade.self))")
        }
        if let days = e.graceDays, !(1...365).contains(days) { throw bad("grace_days", "grace_days must be 1 to 365") }
        guard (downgrade == .afterXDays) == (e.graceDays != nil) else {
            throw bad("grace_days", "grace_days goes with downgrade after_x_days, and only with it")
        }
        guard (1...10).contains(e.tiers.count) else { throw bad("tiers", "tiers must list 1 to 10 tiers, lowest first") }
        var tiers: [Tier] = []
        for (index, input) in e.tiers.enumerated() {
            tiers.append(try tier(input, field: "tiers[\(index)]", basis: basis, below: tiers))
        }
        return TierScheme(
            version: 0, basis: basis, qualification: window, windowMonths: e.windowMonths, downgrade: downgrade,
            graceDays: e.graceDays, tiers: tiers)
    }

    private static func tier(_ input: ConfigureEvent.TierInput, field: String, basis: TierBasis, below: [Tier]) throws -> Tier {
        let code = input.code
        guard (1...32).contains(code.count),
            code.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "_-".contains($0)) })
        else {
            throw bad("\(field).code", "\(field).code must be 1 to 32 lower-case letters, digits, _ or -")
        }
        guard !below.contains(where: { $0.code == code }) else {
            throw bad("\(field).code", "\(field).code \(code) is listed twice")
        }
        let name = try Validate.text(input.name, field: "\(field).name", maxLength: 64)
        try SettingsValidation.places(input.threshold, "\(field).threshold", basis == .points ? 0 : 2)
        guard input.threshold > 0, input.threshold <= 1_000_000_000_000 else {
            throw bad("\(field).threshold", "\(field).threshold must be above 0 and at most 1000000000000")
        }
        if let previous = below.last, input.threshold <= previous.threshold {
            throw bad(
                "\(field).threshold", "\(field).threshold must be above the tier below's (\(previous.threshold)): lowest first")
        }
        let multiplier = input.multiplier ?? 1
        try SettingsValidation.places(multiplier, "\(field).multiplier", 4)
        guard multiplier >= 1, multiplier <= 10 else { throw bad("\(field).multiplier", "\(field).multiplier must be 1 to 10") }
        return Tier(code: code, name: name, threshold: input.threshold, multiplier: multiplier)
    }
}

extension Configure {
    /// A programme's tiers, as their next version (a scheme that changes nothing writes nothing).
    func tiers(_ e: ConfigureEvent.Tiers, _ context: FunctionContext) throws -> ConfigureResult {
        let id = try Validate.programme(e.programme)
        var scheme = try TierValidation.check(e)
        return try Idempotency.run(
            database: context.database, programme: id, scope: "configure.tiers", key: e.idempotencyKey, request: e
        ) { connection in
            let settings = try ProgrammeSettingsStore(connection: connection).load(id)
            scheme.version = try TierStore(
                connection: connection, programmeId: id, requestId: context.requestId, now: context.now
            )
            .record(scheme, source: "configure.tiers")
            var result = ConfigureResult(settings)
            result.tiers = scheme
            return result
        }
    }
}
