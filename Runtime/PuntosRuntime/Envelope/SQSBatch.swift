/// An SQS batch as Lambda's event source mapping delivers it (and `puntos` queues do).
public struct SQSEvent: Codable, Sendable, Equatable {
    public struct Message: Codable, Sendable, Equatable {
        public var messageId: String
        public var receiptHandle: String?
        public var body: String
        public var attributes: [String: String]?
        public var eventSource: String?
        public var eventSourceARN: String?
    }

    public var records: [Message]

    private enum CodingKeys: String, CodingKey { case records = "Records" }
}

/// The partial-batch answer (`ReportBatchItemFailures`): the messages to deliver again.
public struct SQSBatchResponse: Codable, Sendable, Equatable {
    public struct ItemFailure: Codable, Sendable, Equatable {
        public var itemIdentifier: String
    }

    public var batchItemFailures: [ItemFailure]
}
