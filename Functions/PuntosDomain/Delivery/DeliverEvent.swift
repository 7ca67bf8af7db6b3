import FoundationEssentials
import PuntosRuntime

/// The one event `deliver` understands: `{"kind":"run"}`, optionally for one programme and with a limit.
public struct DeliverEvent: Sendable, Codable, Equatable {
    public var kind: String
    /// Only this programme's notices (a shop of its own, or a test).
    public var programme: String?
    /// At most this many notices in this run.
    public var limit: Int?

    enum CodingKeys: String, CodingKey, CaseIterable { case kind, programme, limit }

    public init(programme: String? = nil, limit: Int? = nil) {
        self.kind = "run"
        self.programme = programme
        self.limit = limit
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(String.self, forKey: .kind)
        guard kind == "run" else {
            throw FunctionError.badInput(
                "unknown_kind", field: "kind", "kind \"\(kind)\" is not a deliver event; expected one of: run")
        }
        try decoder.rejectUnknownKeys(CodingKeys.self)
        programme = try container.decodeIfPresent(String.self, forKey: .programme)
        limit = try container.decodeIfPresent(Int.self, forKey: .limit)
    }
}

/// What one run did, in notices (`messages` counts the e-mails, SMS and webhooks sent).
public struct DeliverOutput: Codable, Sendable, Equatable {
    public var claimed = 0
    public var messages = 0
    public var sent = 0
    public var retrying = 0
    public var dead = 0
    public var deferred = 0
    public var suppressed = 0

    public init() {}
}
