import FoundationEssentials
import PuntosCore
import PuntosPostgres
package import PuntosRuntime

extension ConfigureEvent {
    /// An action the programme rewards: its points and cap, as the action's next version.
    package struct ActionInput: Codable, Sendable, Equatable {
        package var kind = "action"
        package var programme: String?
        package var idempotencyKey: String?
        package var action: String
        package var points: Int64
        /// `once` (in the customer's whole membership), `day`, `month` or `year`; `birthday`: `year`.
        package var capPeriod: String
        /// Credits per period: 1 to 1000, 1 without it; `once` and `birthday`: 1.
        package var capCount: Int?
        /// False switches the action off; true without it.
        package var active: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, programme, action, points, active, idempotencyKey = "idempotency_key", capPeriod = "cap_period",
                capCount = "cap_count"
        }
    }
}

extension Configure {
    /// Checks an action's rule, naming the field at fault.
    static func actionRule(_ e: ConfigureEvent.ActionInput) throws -> ActionRule {
        let action = try ActionRule.name(e.action)
        guard (1...Validate.pointsLimit).contains(e.points) else {
            throw FunctionError.badInput(.invalidValue, field: "points", "points must be 1 to \(Validate.pointsLimit)")
        }
        guard let period = CapPeriod(rawValue: e.capPeriod) else {
            throw FunctionError.badInput(
                .invalidValue, field: "cap_period", "cap_period must be one of: once, day, month, year")
        }
        let count = e.capCount ?? 1
        guard (1...1000).contains(count) else {
            throw FunctionError.badInput(.invalidValue, field: "cap_count", "cap_count must be 1 to 1000")
        }
        if period == .once, count != 1 {
            throw FunctionError.badInput(.invalidValue, field: "cap_count", "an action earned once has cap_count 1")
        }
        if action == ActionRule.birthday, period != .year || count != 1 {
            throw FunctionError.badInput(
                .invalidValue, field: period != .year ? "cap_period" : "cap_count",
                "the birthday earns once a year: cap_period year, cap_count 1")
        }
        return ActionRule(
            action: action, version: 0, points: e.points, capPeriod: period, capCount: count, active: e.active ?? true)
    }

    func action(_ e: ConfigureEvent.ActionInput, _ context: FunctionContext) throws -> ConfigureResult {
        let id = try Validate.programme(e.programme)
        let rule = try Self.actionRule(e)
        return try Idempotency.run(
            database: context.database, programme: id, scope: "configure.action", key: e.idempotencyKey, request: e
        ) { connection in
            let settings = try ProgrammeSettingsStore(connection: connection).load(id)
            var result = ConfigureResult(settings)
            result.action = try ActionStore(connection: connection, programmeId: id).record(
                rule, source: "configure.action", requestId: context.requestId)
            return result
        }
    }
}
