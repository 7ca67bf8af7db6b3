/// An EventBridge (CloudWatch Events) schedule event.
public struct ScheduledEvent: Codable, Sendable, Equatable {
    public var id: String?
    public var detailType: String
    public var source: String
    public var time: String?
    public var resources: [String]?
    public var detail: JSONValue?

    private enum CodingKeys: String, CodingKey {
        case id, source, time, resources, detail
        case detailType = "detail-type"
    }
}
