public import FoundationEssentials

/// What wraps the domain event, recognised by shape the way AWS's own runtimes do.
public enum Envelope: Sendable, Equatable {
    /// The event itself (stdin, `aws lambda invoke`, a direct call).
    case plain
    case http(APIGatewayV2Request)
    case sqs(SQSEvent)
    case schedule(ScheduledEvent)

    private struct Probe: Decodable {
        struct Record: Decodable { var eventSource: String? }
        var version: String?
        var routeKey: String?
        var records: [Record]?
        var source: String?
        var detailType: String?

        private enum CodingKeys: String, CodingKey {
            case version, routeKey, source
            case records = "Records"
            case detailType = "detail-type"
        }
    }

    /// Looks at the top of the JSON; anything unrecognised (or not JSON) is `plain`, and the domain
    /// decoder reports what is wrong with it.
    public static func detect(_ data: Data) throws(FunctionError) -> Envelope {
        guard let probe = try? JSONDecoder().decode(Probe.self, from: data) else { return .plain }
        do {
            if probe.version == "2.0", probe.routeKey != nil {
                return .http(try JSONCoding.decoder().decode(APIGatewayV2Request.self, from: data))
            }
            if let first = probe.records?.first, first.eventSource == "aws:sqs" {
                return .sqs(try JSONCoding.decoder().decode(SQSEvent.self, from: data))
            }
            if probe.source == "aws.events", probe.detailType != nil {
                return .schedule(try JSONCoding.decoder().decode(ScheduledEvent.self, from: data))
            }
        } catch let error as DecodingError {
            throw FunctionError(decoding: error)
        } catch {
            throw .badInput(.invalidEnvelope, field: "$", "the envelope could not be read")
        }
        return .plain
    }
}
