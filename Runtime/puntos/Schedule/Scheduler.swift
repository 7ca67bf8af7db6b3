import Foundation
import Logging
import PuntosPostgres
import PuntosRuntime
import ServiceLifecycle

/// Fires every enabled `Schedule` of the template on time. A rule never runs twice at once: each tick
/// is claimed in `puntos_schedule_runs` (newer tick, no lease held) before it fires, so overlapping
/// runs, a second `puntos` on the same database, or a restart cannot double it.
final class Scheduler: Service, Sendable {
    struct Rule: Sendable {
        let schedule: Template.Schedule
        let expression: ScheduleExpression
        let function: Template.Function
    }

    let rules: [Rule]
    let pools: [String: WorkerPool]
    let configuration: PostgresConfiguration
    let logger: Logger
    let metrics: Metrics

    init(
        template: Template, pools: [String: WorkerPool], configuration: PostgresConfiguration, logger: Logger,
        metrics: Metrics
    ) throws {
        var rules: [Rule] = []
        for function in template.functions {
            for schedule in function.schedules where schedule.enabled {
                rules.append(
                    Rule(schedule: schedule, expression: try ScheduleExpression(schedule.expression), function: function))
            }
        }
        self.rules = rules
        self.pools = pools
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
    }

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for rule in rules { group.addTask { await self.loop(rule) } }
            await group.waitForAll()
        }
        try? await gracefulShutdown()  // a template without schedules: keep the service up until shutdown
    }

    private func loop(_ rule: Rule) async {
        let database = BlockingDatabase(configuration: configuration, label: "schedule-\(rule.schedule.name)", logger: logger)
        defer { database.close() }
        guard let pool = pools[rule.function.name] else { return }
        let name = rule.schedule.name
        let lease = rule.function.timeoutSeconds + 5
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            guard let tick = rule.expression.next(after: Date()) else { return }
            do { try await sleepUnlessShuttingDown(.milliseconds(max(0, Int(tick.timeIntervalSinceNow * 1000)))) } catch {
                return
            }
            let tickSeconds = String(Int64(tick.timeIntervalSince1970))
            let claimed: Bool
            do {
                claimed = try await database.run { database in
                    try database.withConnection { connection in
                        try !connection.query(
                            """
                            INSERT INTO puntos_schedule_runs (rule, last_tick, running_until, last_started_at, fired)
                            VALUES (\(name), to_timestamp(\(tickSeconds)::float8), now() + make_interval(secs => \(lease)), now(), 1)
                            ON CONFLICT (rule) DO UPDATE
                            SET last_tick = EXCLUDED.last_tick, running_until = EXCLUDED.running_until, last_started_at = now(),
                                fired = puntos_schedule_runs.fired + 1
                            WHERE puntos_schedule_runs.last_tick < EXCLUDED.last_tick
                              AND (puntos_schedule_runs.running_until IS NULL OR puntos_schedule_runs.running_until < now())
                            RETURNING rule
                            """
                        ).rows.isEmpty
                    }
                }
            } catch {
                logger.warning("schedule.claim_failed", metadata: ["schedule.name": "\(name)", "error": "\(error)"])
                continue
            }
            guard claimed else {
                metrics.increment("puntos_schedule_skipped_total", ["rule": name])
                logger.info("schedule.skipped", metadata: ["schedule.name": "\(name)"])
                continue
            }
            let requestId = UUID().uuidString.lowercased()
            let event = rule.schedule.input.map { Data($0.utf8) } ?? Self.scheduledEvent(name: name, tick: tick, id: requestId)
            let outcome = await pool.invoke(event, requestId: requestId, maximumWait: .seconds(rule.function.timeoutSeconds))
            let result: String
            switch outcome {
            case .success: result = "ok"
            case .functionError(_, let type): result = type
            case .failed(let failure): result = failure.code.rawValue
            }
            metrics.increment("puntos_schedule_runs_total", ["rule": name, "outcome": result == "ok" ? "ok" : "failed"])
            logger.info(
                "schedule.fired",
                metadata: ["schedule.name": "\(name)", "schedule.outcome": "\(result)", "request.id": "\(requestId)"])
            _ = try? await database.run { database in
                try database.withConnection { connection in
                    try connection.query(
                        """
                        UPDATE puntos_schedule_runs SET running_until = NULL, last_finished_at = now(), last_outcome = \(result)
                        WHERE rule = \(name)
                        """)
                }
            }
        }
    }

    /// EventBridge's scheduled event.
    static func scheduledEvent(name: String, tick: Date, id: String) -> Data {
        let formatter = ISO8601DateFormatter()
        let object: [String: Any] = [
            "version": "0", "id": id, "detail-type": "Scheduled Event", "source": "aws.events", "account": "000000000000",
            "time": formatter.string(from: tick), "region": "local",
            "resources": ["arn:aws:events:local:000000000000:rule/\(name)"], "detail": [String: Any](),
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }
}
