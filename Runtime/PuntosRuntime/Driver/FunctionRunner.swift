public import FoundationEssentials
import Logging
import PuntosPostgres

/// Runs one invocation of a handler, whatever envelope the event came in, and says what to answer.
/// Every driver (one-shot, Lambda Runtime API) goes through here, so they behave the same.
public struct FunctionRunner<Handler: FunctionHandler>: Sendable {
    public let handler: Handler

    public init(_ handler: Handler) { self.handler = handler }

    /// The answer: JSON to return, or the error that failed the whole invocation.
    /// API Gateway and SQS envelopes always succeed at this level: their errors are inside the answer.
    public func invoke(_ data: Data, context: FunctionContext) -> Result<Data, FunctionError> {
        let started = ContinuousClock.now
        let result: Result<Data, FunctionError>
        let outcome: String
        do {
            switch try Envelope.detect(data) {
            case .plain:
                result = .success(try handle(data, context: context))
                outcome = "ok"
            case .http(let request):
                let response =
                    BodyDigest.refusal(for: request, requestId: context.requestId) ?? answer(request, context: context)
                result = .success(try JSONCoding.encode(response))
                outcome = "http_\(response.statusCode)"
            case .sqs(let batch):
                let response = handle(batch, context: context)
                result = .success(try JSONCoding.encode(response))
                outcome = response.batchItemFailures.isEmpty ? "ok" : "partial_failure"
            case .schedule(let event):
                result = .success(try handle(try domainEvent(from: event), context: context))
                outcome = "ok"
            }
        } catch {
            result = .failure(error)
            outcome = error.code.rawValue
        }
        let elapsed = ContinuousClock.now - started
        context.logger.info(
            "invocation.completed",
            metadata: [
                "function.name": "\(Handler.name)", "invocation.outcome": "\(outcome)",
                "invocation.duration_ms":
                    "\(Double(elapsed.components.attoseconds / 1_000_000_000_000) / 1000 + Double(elapsed.components.seconds) * 1000)",
            ])
        return result
    }

    /// Decodes a domain event, handles it and encodes the output.
    public func handle(_ data: Data, context: FunctionContext) throws(FunctionError) -> Data {
        try respond(to: try EventDecoding.decode(Handler.Event.self, from: data), context: context)
    }

    /// Handles a decoded domain event and encodes the output.
    private func respond(to event: Handler.Event, context: FunctionContext) throws(FunctionError) -> Data {
        let output: Handler.Output
        do {
            output = try handler.handle(event, context: context)
        } catch {
            let converted = FunctionError(converting: error)
            if [.bug, .configuration, .temporary].contains(converted.kind) {
                context.logger.log(
                    level: converted.kind == .temporary ? .info : .error, "invocation.failed",
                    metadata: [
                        "function.name": "\(Handler.name)", "error.code": "\(converted.code)",
                        "error.detail": "\(String(reflecting: error))",
                    ])
            }
            throw converted
        }
        return try JSONCoding.encode(output)
    }

    private func answer(_ request: APIGatewayV2Request, context: FunctionContext) -> APIGatewayV2Response {
        var context = context
        context.caller = request.requestContext.authorizer?.lambda?["caller"]?.stringValue
        do {
            let body = try handle(try request.domainEvent(routes: Handler.httpRoutes), context: context)
            return APIGatewayV2Response(statusCode: 200, json: body, requestId: context.requestId)
        } catch {
            let body = (try? JSONCoding.encode(error)) ?? Data()
            var response = APIGatewayV2Response(statusCode: error.httpStatus, json: body, requestId: context.requestId)
            if error.kind == .temporary { response.headers["retry-after"] = "1" }
            return response
        }
    }

    private func handle(_ batch: SQSEvent, context: FunctionContext) -> SQSBatchResponse {
        let messages = batch.records.map { message in
            (
                message,
                Result { () throws(FunctionError) in
                    try EventDecoding.decode(Handler.Event.self, from: Data(message.body.utf8))
                }
            )
        }
        guard Handler.commitsQueueBatchTogether, batch.records.count > 1 else {
            return handleEach(messages, context: context)
        }
        do {
            return try context.database.withBatch {
                handleEach(Self.lockOrder(messages), context: context) { body in try context.database.withBatchItem(body) }
            }
        } catch {
            // The batch's commit failed: nothing of it was written, so every message is tried again.
            context.logger.warning("sqs.batch_failed", metadata: ["error": "\(error)"])
            return SQSBatchResponse(batchItemFailures: batch.records.map { .init(itemIdentifier: $0.messageId) })
        }
    }

    /// The messages of a batch in the order it runs them (`FunctionHandler.batchLockKey`): by key, those
    /// without one (an unreadable message too) last, and each key's in the order they came.
    package static func lockOrder<Message>(_ messages: [(Message, Result<Handler.Event, FunctionError>)]) -> [(
        Message, Result<Handler.Event, FunctionError>
    )] {
        let keys = messages.map { message in (try? message.1.get()).flatMap(Handler.batchLockKey) }
        let order = messages.indices.sorted { left, right in
            switch (keys[left], keys[right]) {
            case (let a?, let b?): a < b || (a == b && left < right)
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): left < right
            }
        }
        return order.map { messages[$0] }
    }

    /// Handles each message, each inside `isolate` (a savepoint of the batch, or nothing), and lists
    /// the ones that failed.
    private func handleEach(
        _ messages: [(SQSEvent.Message, Result<Handler.Event, FunctionError>)], context: FunctionContext,
        isolate: (() throws -> Void) throws -> Void = { try $0() }
    ) -> SQSBatchResponse {
        var failures: [SQSBatchResponse.ItemFailure] = []
        for (message, event) in messages {
            do {
                try isolate { _ = try respond(to: try event.get(), context: context) }
            } catch {
                let error = FunctionError(converting: error)
                context.logger.warning(
                    "sqs.message_failed",
                    metadata: [
                        "sqs.message_id": "\(message.messageId)", "error.code": "\(error.code)",
                        "error.field": "\(error.field ?? "")",
                    ])
                failures.append(.init(itemIdentifier: message.messageId))
            }
        }
        return SQSBatchResponse(batchItemFailures: failures)
    }

    private func domainEvent(from event: ScheduledEvent) throws(FunctionError) -> Data {
        if case .object(let detail)? = event.detail, !detail.isEmpty {
            return try JSONCoding.encode(JSONValue.object(detail))
        }
        guard let kind = Handler.scheduledEventKind else {
            throw .badInput(.notScheduled, field: "detail", "\(Handler.name) does not run on a schedule without a detail event")
        }
        return try JSONCoding.encode(JSONValue.object(["kind": .string(kind)]))
    }
}
