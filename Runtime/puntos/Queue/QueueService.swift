import Foundation
import Logging
import PuntosPostgres
import PuntosRuntime
import ServiceLifecycle
import Synchronization

/// Feeds every `SQS` event source of the template from the PostgreSQL queue table: claims batches
/// (`FOR UPDATE SKIP LOCKED`), hands each to the function as an SQS event, deletes what succeeded,
/// retries what failed after an exponential backoff with jitter, and moves a message that failed its
/// `maxReceiveCount`-th receive to the dead letters. Woken by `LISTEN/NOTIFY`, polling once a second too.
final class QueueService: Service, Sendable {
    struct Consumer: Sendable {
        let function: Template.Function
        let source: Template.QueueSource
        let queue: Template.Queue
    }

    let consumers: [Consumer]
    let queueNames: [String]
    let pools: [String: WorkerPool]
    let configuration: PostgresConfiguration
    let intake: BlockingDatabase
    let waker = QueueWaker()
    let backoffBaseSeconds: Double
    let logger: Logger
    let metrics: Metrics

    init(
        template: Template, pools: [String: WorkerPool], configuration: PostgresConfiguration, backoffBaseSeconds: Double,
        logger: Logger, metrics: Metrics
    ) {
        var consumers: [Consumer] = []
        for function in template.functions {
            for source in function.queues {
                consumers.append(Consumer(function: function, source: source, queue: template.queues[source.queue]!))
            }
        }
        self.consumers = consumers
        self.queueNames = template.queues.keys.sorted()
        self.pools = pools
        self.configuration = configuration
        self.intake = BlockingDatabase(configuration: configuration, label: "queue-intake", logger: logger)
        self.backoffBaseSeconds = backoffBaseSeconds
        self.logger = logger
        self.metrics = metrics
    }

    func enqueue(queue: String, body: Data) async throws -> String {
        guard queueNames.contains(queue) else {
            throw GatewayError(status: 404, code: .unknownQueue, message: "no queue \(queue)")
        }
        guard let text = String(data: body, encoding: .utf8), !text.isEmpty else {
            throw GatewayError(status: 400, code: .invalidBody, message: "a message is UTF-8 text, not empty")
        }
        let ids = try await intake.run { try QueueStore.enqueue($0, queue: queue, bodies: [text]) }
        await waker.signal(queue)
        metrics.increment("puntos_queue_enqueued_total", ["queue": queue])
        return ids.first ?? ""
    }

    func stats() async throws -> [QueueStore.Stats] {
        let names = queueNames
        return try await intake.run { try QueueStore.stats($0, queues: names) }
    }

    func run() async throws {
        let listener = NotificationListener(configuration: configuration, channel: QueueStore.channel, logger: logger) {
            [waker] queue in
            Task { await waker.signal(queue) }
        }
        listener.start()
        // Graceful shutdown: the lanes finish their batch in hand and stop claiming; one waiting for
        // a message is woken at once.
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for consumer in consumers {
                    let concurrency = max(1, consumer.source.maximumConcurrency ?? consumer.function.workers)
                    for lane in 0..<concurrency {
                        group.addTask { await self.consume(consumer, lane: lane) }
                    }
                }
                await group.waitForAll()
            }
        } onGracefulShutdown: { [waker] in
            Task { await waker.stop() }
        }
        try? await gracefulShutdown()  // a template without queues: keep the service up until shutdown
        listener.stop()
    }

    private func consume(_ consumer: Consumer, lane: Int) async {
        let queue = consumer.queue.logicalId
        let database = BlockingDatabase(
            configuration: QueueStore.laneConfiguration(configuration), label: "queue-\(queue)-\(lane)", logger: logger)
        defer { database.close() }
        guard let pool = pools[consumer.function.name] else { return }
        let maxReceiveCount = consumer.queue.maxReceiveCount
        let visibility = max(consumer.queue.visibilityTimeoutSeconds, consumer.function.timeoutSeconds + 1)
        // The batch handled last, settled together with the next claim (one commit for both); kept
        // across a failed attempt only while its claim holds (afterwards its messages are anyone's).
        var owed: (settlement: QueueStore.Settlement, claimedAt: ContinuousClock.Instant)?
        while true {
            let stopping = Task.isShuttingDownGracefully || Task.isCancelled
            if let expired = owed, ContinuousClock.now - expired.claimedAt > .seconds(visibility) {
                logger.warning(
                    "queue.settle_failed",
                    metadata: ["queue.name": "\(queue)", "error": "the claim expired before the batch could be settled"])
                owed = nil
            }
            if stopping && owed == nil { break }
            let batch: [QueueStore.Message]
            let settlement = owed?.settlement
            do {
                batch = try await database.run {
                    try QueueStore.settleAndClaim(
                        $0, settlement, queue: queue, limit: stopping ? 0 : consumer.source.batchSize,
                        visibilitySeconds: visibility)
                }
            } catch {
                // Unsettled messages become visible again when their claim expires: redelivered, not lost.
                logger.warning(
                    settlement == nil ? "queue.claim_failed" : "queue.settle_failed",
                    metadata: ["queue.name": "\(queue)", "error": "\(error)"])
                if stopping { break }
                try? await sleepUnlessShuttingDown(.seconds(1))
                continue
            }
            if let settlement { settled(settlement, queue: queue) }
            owed = nil
            if stopping { break }
            if batch.isEmpty {
                await waker.wait(queue, timeout: .seconds(1))
                continue
            }
            let claimedAt = ContinuousClock.now
            let requestId = UUID().uuidString.lowercased()
            let event = Self.sqsEvent(batch, queue: queue)
            let outcome = await pool.invoke(event, requestId: requestId, maximumWait: .seconds(visibility))
            var failed: Set<Int64> = []
            var reason = ""
            switch outcome {
            case .success(let output):
                if consumer.source.reportsBatchItemFailures {
                    switch Self.batchItemFailures(output, batch: batch) {
                    case .some(let ids): failed = ids
                    case .none:
                        failed = Set(batch.map(\.id))  // an unreadable answer fails the whole batch, as on AWS
                        reason = "invalid batch response"
                    }
                }
                if !failed.isEmpty, reason.isEmpty { reason = "reported in batchItemFailures" }
            case .functionError(_, let type):
                failed = Set(batch.map(\.id))
                reason = type
            case .failed(let failure):
                failed = Set(batch.map(\.id))
                reason = failure.code.rawValue
            }
            var next = QueueStore.Settlement(error: reason)
            for message in batch {
                if !failed.contains(message.id) {
                    next.succeeded.append(message.id)
                } else if let maxReceiveCount, message.receiveCount >= maxReceiveCount {
                    next.dead.append(message.id)
                } else {
                    next.retry[message.id] = backoff(receiveCount: message.receiveCount, limit: Double(visibility) * 10)
                }
            }
            owed = (next, claimedAt)
        }
    }

    /// Counts and logs a batch once its settlement is committed.
    private func settled(_ settlement: QueueStore.Settlement, queue: String) {
        metrics.increment(
            "puntos_queue_messages_total", ["queue": queue, "outcome": "succeeded"], by: Double(settlement.succeeded.count))
        if !settlement.retry.isEmpty {
            metrics.increment(
                "puntos_queue_messages_total", ["queue": queue, "outcome": "retried"], by: Double(settlement.retry.count))
        }
        if !settlement.dead.isEmpty {
            metrics.increment(
                "puntos_queue_messages_total", ["queue": queue, "outcome": "dead"], by: Double(settlement.dead.count))
            logger.warning(
                "queue.dead_lettered",
                metadata: [
                    "queue.name": "\(queue)", "queue.count": "\(settlement.dead.count)",
                    "error": "\(settlement.error)",
                ])
        }
    }

    /// base x 2^(receives-1), capped, with "equal jitter": between half and all of it.
    func backoff(receiveCount: Int, limit: Double) -> Double {
        let full = min(limit, backoffBaseSeconds * pow(2, Double(max(0, receiveCount - 1))))
        return full / 2 + Double.random(in: 0...(full / 2))
    }

    /// Lambda's SQS event for a batch.
    static func sqsEvent(_ batch: [QueueStore.Message], queue: String) -> Data {
        var event = JSONWriter(capacity: 512 + batch.reduce(0) { $0 + 512 + $1.body.utf8.count })
        let arn = "arn:aws:sqs:local:000000000000:\(queue)"
        event.beginObject()
        event.key("Records")
        event.beginArray()
        for message in batch {
            event.beginObject()
            event.member("messageId", message.messageId)
            event.member("receiptHandle", String(message.id))
            event.member("body", message.body)
            event.key("attributes")
            event.object([
                "ApproximateReceiveCount": String(message.receiveCount),
                "SentTimestamp": String(Int64(message.enqueuedAt * 1000)),
                "ApproximateFirstReceiveTimestamp": String(Int64(message.firstReceivedAt * 1000)),
                "SenderId": "puntos",
            ])
            event.key("messageAttributes")
            event.object([:])
            event.member("md5OfBody", "")
            event.member("eventSource", "aws:sqs")
            event.member("eventSourceARN", arn)
            event.member("awsRegion", "local")
            event.endObject()
        }
        event.endArray()
        event.endObject()
        return event.data
    }

    /// `{"batchItemFailures":[{"itemIdentifier":…}]}`, as far as it is read.
    private struct BatchResponse: Decodable {
        struct Failure: Decodable { let itemIdentifier: String? }
        let batchItemFailures: [Failure]?
    }

    /// The ids named in `batchItemFailures`; nil when the answer names a message not in the batch or
    /// cannot be read (then the whole batch failed, as Lambda treats it).
    static func batchItemFailures(_ output: Data, batch: [QueueStore.Message]) -> Set<Int64>? {
        if output.isEmpty || output == Data("null".utf8) { return [] }
        guard let response = try? JSONDecoder().decode(BatchResponse.self, from: output) else { return nil }
        var ids: Set<Int64> = []
        for failure in response.batchItemFailures ?? [] {
            guard let identifier = failure.itemIdentifier, !identifier.isEmpty,
                let message = batch.first(where: { $0.messageId == identifier })
            else { return nil }
            ids.insert(message.id)
        }
        return ids
    }
}

/// Wakes consumers of a queue when a message arrives (NOTIFY or an in-process enqueue), and all of
/// them, for good, when the runtime stops.
actor QueueWaker {
    private var waiters: [String: [UUID: CheckedContinuation<Void, Never>]] = [:]
    private var stopped = false

    func stop() {
        stopped = true
        for queue in Array(waiters.keys) { signal(queue) }
    }

    func signal(_ queue: String) {
        let woken = waiters.removeValue(forKey: queue) ?? [:]
        for continuation in woken.values { continuation.resume() }
    }

    func wait(_ queue: String, timeout: Duration) async {
        guard !stopped else { return }
        let id = UUID()
        await withCheckedContinuation { continuation in
            waiters[queue, default: [:]][id] = continuation
            Task {
                try? await Task.sleep(for: timeout)
                self.expire(queue, id)
            }
        }
    }

    private func expire(_ queue: String, _ id: UUID) {
        waiters[queue]?.removeValue(forKey: id)?.resume()
    }
}

/// A thread with its own connection that runs `LISTEN channel` and reports each payload.
///
/// The connection lives on the thread only; `running` is the one state shared with `stop()`.
final class NotificationListener: Sendable {
    private let configuration: PostgresConfiguration
    private let channel: String
    private let logger: Logger
    private let onNotify: @Sendable (String) -> Void
    private let running = Mutex(true)

    init(configuration: PostgresConfiguration, channel: String, logger: Logger, onNotify: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.channel = channel
        self.logger = logger
        self.onNotify = onNotify
    }

    func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "puntos-listen"
        thread.start()
    }

    func stop() { running.withLock { $0 = false } }

    private var isRunning: Bool { running.withLock { $0 } }

    private func loop() {
        while isRunning {
            do {
                let connection = try PostgresConnection(configuration: configuration, logger: logger)
                // The channel name is a constant of this program, never input.
                try connection.runScript("LISTEN \(channel)")
                while isRunning {
                    for notification in try connection.waitForNotifications(timeoutMilliseconds: 500) {
                        onNotify(notification.payload)
                    }
                }
                connection.close()
            } catch {
                logger.info("queue.listen_failed", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }
}
