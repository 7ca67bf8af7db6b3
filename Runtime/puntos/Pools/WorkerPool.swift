import Foundation
import Logging

/// The warm processes of one function and the events waiting for them.
///
/// Each worker has its own Runtime API endpoint (`RuntimeAPIServer`), so that every event is known to
/// be held by exactly one process: when that process dies or overruns, its event is answered with a
/// failure at once (never lost, never left hanging) and a new process takes its place.
actor WorkerPool {
    struct Slot {
        var port: Int?
        var process: WorkerProcess?
        var generation = 0
        var job: Job?
        /// Kills the worker if it still holds `job` a second past its deadline; cancelled once answered,
        /// so that no timer outlives its event (a `Deadline`: a cancelled `Task.sleep` would hold its
        /// memory for the whole timeout, at every request).
        var watchdog: Deadline?
        var waiter: CheckedContinuation<Job?, Never>?
        var consecutiveFailures = 0
        var startedAt = Date()
    }

    let function: Template.Function
    let executable: String
    let isAvailable: Bool
    let environment: [String: String]
    let maximumPending: Int
    let logger: Logger
    let metrics: Metrics
    private var slots: [Slot]
    private var pending: [Job] = []
    /// The bounded wait of each pending event, cancelled when a worker takes it.
    private var pendingTimers: [String: Deadline] = [:]
    private var stopping = false
    /// `stop` waiting for the events to be answered, then for the workers to end.
    private var changes: [CheckedContinuation<Void, Never>] = []

    init(
        function: Template.Function, binDirectory: String, environment: [String: String], maximumPending: Int,
        logger: Logger, metrics: Metrics
    ) {
        self.function = function
        self.executable = binDirectory + "/" + function.name
        self.isAvailable = FileManager.default.isExecutableFile(atPath: executable)
        self.environment = environment
        self.maximumPending = maximumPending
        self.logger = logger
        self.metrics = metrics
        self.slots = Array(repeating: Slot(), count: max(1, function.workers))
    }

    var workerCount: Int { slots.count }

    /// Workers alive now.
    var liveWorkers: Int { slots.filter { $0.process?.isRunning == true }.count }

    var busyWorkers: Int { slots.filter { $0.job != nil }.count }

    var pendingCount: Int { pending.count }

    /// Runs one event on a warm worker, waiting at most `maximumWait` for one to be free.
    func invoke(_ payload: Data, requestId: String, maximumWait: Duration) async -> InvocationOutcome {
        guard isAvailable else { return .failed(.missingExecutable(executable)) }
        guard !stopping else { return .failed(.stopping) }
        return await withCheckedContinuation { continuation in
            let job = Job(
                requestId: requestId, payload: payload,
                deadline: Date().addingTimeInterval(Double(function.timeoutSeconds)),
                traceId:
                    "Root=1-\(String(Int(Date().timeIntervalSince1970), radix: 16))-\(requestId.filter { $0 != "-" }.prefix(24));Sampled=0",
                continuation: continuation)
            if let index = slots.indices.first(where: { slots[$0].waiter != nil && slots[$0].job == nil }) {
                let waiter = slots[index].waiter!
                slots[index].waiter = nil
                start(job, on: index)
                waiter.resume(returning: job)
            } else if pending.count >= maximumPending {
                continuation.resume(returning: .failed(.busy))
            } else {
                pending.append(job)
                pendingTimers[requestId] = Deadline(after: maximumWait) { [weak self] in
                    Task { await self?.giveUp(requestId) }
                }
            }
        }
    }

    private func giveUp(_ requestId: String) {
        pendingTimers[requestId] = nil
        guard let index = pending.firstIndex(where: { $0.requestId == requestId }) else { return }
        let job = pending.remove(at: index)
        metrics.increment("puntos_pool_rejections_total", ["function": function.name])
        job.continuation.resume(returning: .failed(.busy))
    }

    /// `GET .../invocation/next` from the worker in `slot`: the next event, waiting as long as it takes;
    /// nil when the worker is going away.
    func next(slot index: Int) async -> Job? {
        guard slots.indices.contains(index), !stopping else { return nil }
        // `next` without an answer: the worker gave up on the event it held (as Lambda, an error).
        answer(index, .failed(.crashed))
        slots[index].consecutiveFailures = 0
        if !pending.isEmpty {
            let job = pending.removeFirst()
            pendingTimers.removeValue(forKey: job.requestId)?.cancel()
            start(job, on: index)
            return job
        }
        return await withCheckedContinuation { continuation in
            slots[index].waiter?.resume(returning: nil)
            slots[index].waiter = continuation
        }
    }

    private func start(_ job: Job, on index: Int) {
        slots[index].job = job
        let generation = slots[index].generation
        let requestId = job.requestId
        // The watchdog: a worker still holding the event a second past its deadline is killed.
        let limit = job.deadline.timeIntervalSinceNow + 1
        slots[index].watchdog = Deadline(after: .milliseconds(Int(limit * 1000))) { [weak self] in
            Task { await self?.overran(index, generation: generation, requestId: requestId) }
        }
    }

    private func overran(_ index: Int, generation: Int, requestId: String) {
        guard slots[index].generation == generation, let job = slots[index].job, job.requestId == requestId else { return }
        logger.warning(
            "worker.timed_out",
            metadata: [
                "function.name": "\(function.name)", "request.id": "\(requestId)",
                "worker.pid": "\(slots[index].process?.pid ?? 0)",
            ])
        answer(index, .failed(.timedOut))
        slots[index].process?.send(SIGKILL)
    }

    /// `.../{id}/response` or `.../{id}/error` from the worker in `slot`. False for an unknown id.
    func complete(slot index: Int, requestId: String, _ outcome: InvocationOutcome) -> Bool {
        guard slots.indices.contains(index), let job = slots[index].job, job.requestId == requestId else { return false }
        answer(index, outcome)
        return true
    }

    /// Answers the event held by the worker in `index`, if any, and tells `stop` something changed.
    private func answer(_ index: Int, _ outcome: InvocationOutcome) {
        guard let job = slots[index].job else { return }
        slots[index].job = nil
        slots[index].watchdog?.cancel()
        slots[index].watchdog = nil
        job.continuation.resume(returning: outcome)
        changed()
    }

    func initFailed(slot index: Int, errorType: String) {
        guard slots.indices.contains(index) else { return }
        slots[index].consecutiveFailures += 1
        logger.error("worker.init_failed", metadata: ["function.name": "\(function.name)", "error.type": "\(errorType)"])
    }

    // MARK: processes

    /// Called by the slot's Runtime API server once it listens: starts (or restarts) its worker.
    func listening(slot index: Int, port: Int) {
        slots[index].port = port
        spawn(index)
    }

    private func spawn(_ index: Int) {
        guard isAvailable, !stopping, let port = slots[index].port else { return }
        slots[index].generation += 1
        let generation = slots[index].generation
        var environment = self.environment
        // The template's variables win, but an empty one (a parameter left at "") keeps what puntos was given.
        for (key, value) in function.environment where !(value.isEmpty && environment[key] != nil) { environment[key] = value }
        environment["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:\(port)"
        environment["AWS_LAMBDA_FUNCTION_NAME"] = function.name
        environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = String(function.memoryMegabytes)
        environment["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST"
        environment["AWS_REGION"] = environment["AWS_REGION"] ?? "local"
        environment["PUNTOS_TIMEOUT_S"] = String(function.timeoutSeconds)
        let functionName = function.name
        do {
            let process = try WorkerProcess(executable: executable, environment: environment) { [weak self] status, bySignal in
                Task { await self?.exited(index, generation: generation, status: status, reason: bySignal ? "signal" : "exit") }
            }
            slots[index].process = process
            slots[index].startedAt = Date()
            logger.info(
                "worker.started",
                metadata: [
                    "function.name": "\(functionName)", "worker.pid": "\(process.pid)",
                    "worker.slot": "\(index)",
                ])
        } catch {
            logger.error("worker.spawn_failed", metadata: ["function.name": "\(functionName)", "error": "\(error)"])
            slots[index].consecutiveFailures += 1
            respawnLater(index)
        }
    }

    private func exited(_ index: Int, generation: Int, status: Int32, reason: String) {
        guard slots[index].generation == generation else { return }
        slots[index].process = nil
        slots[index].waiter?.resume(returning: nil)
        slots[index].waiter = nil
        answer(index, .failed(.crashed))
        changed()
        guard !stopping else { return }
        metrics.increment("puntos_worker_restarts_total", ["function": function.name])
        logger.warning(
            "worker.exited",
            metadata: [
                "function.name": "\(function.name)", "worker.slot": "\(index)",
                "worker.status": "\(reason) \(status)",
            ])
        if Date().timeIntervalSince(slots[index].startedAt) < 1 { slots[index].consecutiveFailures += 1 }
        respawnLater(index)
    }

    /// Restarts at once after a crash mid-event; backs off (up to 30 s) when a worker cannot start.
    private func respawnLater(_ index: Int) {
        let failures = slots[index].consecutiveFailures
        if failures == 0 {
            spawn(index)
            return
        }
        let delay = min(30.0, 0.1 * pow(2, Double(min(failures, 10))))
        Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            await self?.spawnIfIdle(index)
        }
    }

    private func spawnIfIdle(_ index: Int) {
        if slots[index].process == nil { spawn(index) }
    }

    /// Stops taking events, waits (up to `grace`) for the workers to finish theirs, then ends them.
    func stop(grace: Duration) async {
        stopping = true
        for job in pending { job.continuation.resume(returning: .failed(.stopping)) }
        pending.removeAll()
        for timer in pendingTimers.values { timer.cancel() }
        pendingTimers.removeAll()
        await wait(atMost: grace) { !slots.contains { $0.job != nil } }
        // End the workers before their Runtime API servers go: a worker must not reconnect to a closing server.
        for index in slots.indices {
            slots[index].process?.send(SIGTERM)
        }
        await wait(atMost: .seconds(2)) { !slots.contains { $0.process != nil } }
        for index in slots.indices {
            slots[index].process?.send(SIGKILL)
            slots[index].waiter?.resume(returning: nil)
            slots[index].waiter = nil
            answer(index, .failed(.stopping))
        }
    }

    /// Suspends until `done` holds, looked at again whenever an event is answered or a worker ends,
    /// or until `limit` has passed.
    private func wait(atMost limit: Duration, until done: () -> Bool) async {
        let deadline = ContinuousClock.now + limit
        let timer = Task { [weak self] in
            try? await Task.sleep(for: limit)
            await self?.changed()
        }
        defer { timer.cancel() }
        while !done(), ContinuousClock.now < deadline {
            await withCheckedContinuation { changes.append($0) }
        }
    }

    /// Wakes whoever waits in `wait(atMost:until:)`.
    private func changed() {
        let waiting = changes
        changes.removeAll()
        for continuation in waiting { continuation.resume() }
    }

    /// The workers' process ids, for tests and `/healthz`.
    var processIds: [Int32] { slots.compactMap { $0.process?.pid } }
}
