public import FoundationEssentials

/// What wraps the domain event, recognised by shape the way AWS's own runtimes do.
public enum Envelope: Sendable, Equatable {
    /// The event itself (stdin, `aws lambda invoke`, a direct call).
    case plain
    case http(APIGatewayV2Request)
    case sqs(SQSEvent)
    case schedule(ScheduledEvent)

    /// The keys that tell the envelopes apart.
    private enum ProbeKey: String, CodingKey {
        case version, routeKey, source, records = "Records", detailType = "detail-type"
    }

    private struct ProbeRecord: Decodable { var eventSource: String? }

    /// A recognised envelope that does not decode as its shape says: the decoding error, kept apart from
    /// "not an envelope" (which is `plain`).
    private struct Malformed: Error { let error: any Error }

    /// The envelope, told apart and decoded in one pass over the JSON.
    private struct Detected: Decodable {
        var envelope: Envelope = .plain

        init(from decoder: any Decoder) throws {
            guard let keys = try? decoder.container(keyedBy: ProbeKey.self) else { return }
            func text(_ key: ProbeKey) -> String? { (try? keys.decodeIfPresent(String.self, forKey: key)) ?? nil }
            do {
                if text(.version) == "2.0", text(.routeKey) != nil {
                    envelope = .http(try APIGatewayV2Request(from: decoder))
                } else if let records = (try? keys.decodeIfPresent([ProbeRecord].self, forKey: .records)) ?? nil,
                    records.first?.eventSource == "aws:sqs"
                {
                    envelope = .sqs(try SQSEvent(from: decoder))
                } else if text(.source) == "aws.events", text(.detailType) != nil {
                    envelope = .schedule(try ScheduledEvent(from: decoder))
                }
            } catch {
                throw Malformed(error: error)
            }
        }
    }

    /// Looks at the top of the JSON; anything unrecognised (or not JSON) is `plain`, and the domain
    /// decoder reports what is wrong with it. One parse: the envelope is decoded as it is recognised.
    public static func detect(_ data: Data) throws(FunctionError) -> Envelope {
        do {
            return try JSONCoding.decoder().decode(Detected.self, from: data).envelope
        } catch let malformed as Malformed {
            if let error = malformed.error as? DecodingError { throw FunctionError(decoding: error) }
            throw .badInput(.invalidEnvelope, field: "$", "the envelope could not be read")
        } catch {
            return .plain
        }
    }
}
