import Foundation
import PuntosRuntime
import Testing

@testable import puntos

/// The JSON `puntos up` writes by hand (the SQS event; the API Gateway event is checked through the
/// gateway's tests) and the batch answers it reads back.
@Suite struct EventJSONTests {
    @Test func theWriterEscapesWhatJSONRequiresAndKeepsTheRest() throws {
        let tricky = "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7} é 🎉 </script>"
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("text", tricky)
        writer.key("list")
        writer.beginArray()
        writer.number(-42)
        writer.bool(false)
        writer.object(["a": "1", "b": ""])
        writer.endArray()
        writer.endObject()
        let object = try #require(try JSONSerialization.jsonObject(with: writer.data) as? [String: Any])
        #expect(object["text"] as? String == tricky)
        let list = try #require(object["list"] as? [Any])
        #expect(list.count == 3)
        #expect(list[0] as? Int == -42)
        #expect(list[1] as? Bool == false)
        #expect(list[2] as? [String: String] == ["a": "1", "b": ""])
    }

    @Test func anSQSBatchIsLambdasEventAndItsFailuresAreRead() throws {
        let batch = [
            QueueStore.Message(
                id: 7, messageId: "m-7", body: #"{"kind":"q","value":"a \"b\""}"#, receiveCount: 2, enqueuedAt: 1_700_000_000.5,
                firstReceivedAt: 1_700_000_001),
            QueueStore.Message(id: 9, messageId: "m-9", body: "plain", receiveCount: 1, enqueuedAt: 0, firstReceivedAt: 0),
        ]
        let event = QueueService.sqsEvent(batch, queue: "EchoQueue")
        guard case .sqs(let decoded) = try Envelope.detect(event) else {
            Issue.record("not recognised as an SQS batch: \(String(decoding: event, as: UTF8.self))")
            return
        }
        #expect(decoded.records.map(\.messageId) == ["m-7", "m-9"])
        #expect(decoded.records.map(\.body) == batch.map(\.body))
        #expect(decoded.records.first?.receiptHandle == "7")
        #expect(decoded.records.first?.attributes?["ApproximateReceiveCount"] == "2")
        #expect(decoded.records.first?.attributes?["SentTimestamp"] == "1700000000500")
        #expect(decoded.records.first?.eventSourceARN == "arn:aws:sqs:local:000000000000:EchoQueue")

        let failures = Data(#"{"batchItemFailures":[{"itemIdentifier":"m-9"}]}"#.utf8)
        #expect(QueueService.batchItemFailures(failures, batch: batch) == [9])
        #expect(QueueService.batchItemFailures(Data(#"{"batchItemFailures":[]}"#.utf8), batch: batch) == [])
        #expect(QueueService.batchItemFailures(Data("null".utf8), batch: batch) == [])
        #expect(QueueService.batchItemFailures(Data(), batch: batch) == [])
        // A message not in the batch, or an answer that cannot be read, fails the whole batch.
        #expect(
            QueueService.batchItemFailures(Data(#"{"batchItemFailures":[{"itemIdentifier":"x"}]}"#.utf8), batch: batch) == nil)
        #expect(QueueService.batchItemFailures(Data("[1]".utf8), batch: batch) == nil)
    }
}
