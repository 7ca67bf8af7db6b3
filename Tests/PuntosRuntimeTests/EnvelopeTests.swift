import Foundation
import Logging
import PuntosPostgres
import PuntosRuntime
import Testing

@Suite struct EnvelopeTests {
    let runner = FunctionRunner(EchoHandler())
    // The echo handler never touches the database; the connection is made only on first use.
    let context = FunctionContext.make(
        database: Database(
            configuration: PostgresConfiguration(url: "postgresql://127.0.0.1:1/none"),
            logger: Logger(label: "test")))

    func invoke(_ json: String) -> Result<Data, FunctionError> { runner.invoke(Data(json.utf8), context: context) }

    func object(_ result: Result<Data, FunctionError>) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: result.get()) as? [String: Any])
    }

    @Test func plainEventsAreHandledAsThey() throws {
        let answer = try object(invoke(#"{"kind":"say","word":"hola"}"#))
        #expect(answer["word"] as? String == "hola")
        #expect(throws: FunctionError.self) { try invoke(#"{"kind":"say","fail":"refuse"}"#).get() }
    }

    @Test func apiGatewayRequestsAnswerWithStatusAndBody() throws {
        let request = """
            {"version":"2.0","routeKey":"GET /echo/{word}","rawPath":"/echo/hola","pathParameters":{"word":"hola"},
             "queryStringParameters":{"fail":"none"},"headers":{},"requestContext":{"requestId":"r1","http":{"method":"GET","path":"/echo/hola"}},
             "isBase64Encoded":false}
            """
        let response = try object(invoke(request))
        #expect(response["statusCode"] as? Int == 200)
        let body = try JSONSerialization.jsonObject(with: Data((response["body"] as? String ?? "").utf8)) as? [String: Any]
        #expect(body?["kind"] as? String == "say")  // from the route
        #expect(body?["word"] as? String == "hola")  // from the path
    }

    @Test func apiGatewayErrorsBecomeStatuses() throws {
        func status(_ body: String, base64: Bool = false) throws -> (Int, [String: Any]) {
            let encodedBody = try String(decoding: JSONEncoder().encode(body), as: UTF8.self)
            let request = """
                {"version":"2.0","routeKey":"POST /echo","rawPath":"/echo","headers":{},"requestContext":{"requestId":"r2"},
                 "body":\(encodedBody),"isBase64Encoded":\(base64)}
                """
            let response = try object(invoke(request))
            let errorBody =
                try JSONSerialization.jsonObject(with: Data((response["body"] as? String ?? "").utf8)) as? [String: Any]
            return (response["statusCode"] as? Int ?? 0, errorBody?["error"] as? [String: Any] ?? [:])
        }
        #expect(try status(#"{"fail":"refuse"}"#).0 == 422)
        #expect(try status(#"{"fail":"bad"}"#).0 == 400)
        #expect(try status(#"{"fail":"bad"}"#).1["field"] as? String == "word")
        #expect(try status("not json").0 == 400)
        #expect(try status("[1]").1["code"] as? String == "wrong_type")
        #expect(try status(Data(#"{"word":"b64"}"#.utf8).base64EncodedString(), base64: true).0 == 200)
    }

    @Test func sqsBatchesReportOnlyTheFailedMessages() throws {
        let batch = """
            {"Records":[
              {"messageId":"m1","body":"{\\"kind\\":\\"say\\"}","eventSource":"aws:sqs"},
              {"messageId":"m2","body":"{\\"kind\\":\\"say\\",\\"fail\\":\\"refuse\\"}","eventSource":"aws:sqs"},
              {"messageId":"m3","body":"not json","eventSource":"aws:sqs"},
              {"messageId":"m4","body":"{\\"kind\\":\\"say\\",\\"word\\":\\"ok\\"}","eventSource":"aws:sqs"}]}
            """
        let answer = try object(invoke(batch))
        let failures = try #require(answer["batchItemFailures"] as? [[String: Any]])
        #expect(failures.compactMap { $0["itemIdentifier"] as? String } == ["m2", "m3"])
    }

    @Test func schedulesRunTheScheduledKindOrTheirDetail() throws {
        let empty =
            #"{"version":"0","id":"e1","detail-type":"Scheduled Event","source":"aws.events","time":"2026-11-22T00:00:00Z","resources":[],"detail":{}}"#
        #expect(try object(invoke(empty))["kind"] as? String == "tick")
        let detailed =
            #"{"version":"0","id":"e2","detail-type":"Scheduled Event","source":"aws.events","detail":{"kind":"say","word":"now"}}"#
        #expect(try object(invoke(detailed))["word"] as? String == "now")
    }

    @Test func domainEventsThatLookLikeEnvelopesAreNotMistaken() throws {
        // A domain event may carry a "version" field; only version 2.0 with a routeKey is an HTTP request.
        let answer = try object(
            invoke(#"{"kind":"say","word":"v","version":"2026-01"}"#.replacingOccurrences(of: #","version":"2026-01""#, with: ""))
        )
        #expect(answer["word"] as? String == "v")
        #expect(try Envelope.detect(Data(#"{"kind":"accept","version":"2.0"}"#.utf8)) == .plain)
        #expect(try Envelope.detect(Data(#"{"Records":[{"eventSource":"aws:s3"}]}"#.utf8)) == .plain)
    }
}
