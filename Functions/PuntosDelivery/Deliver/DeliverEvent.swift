import FoundationEssentials
import PuntosCore
import PuntosRuntime

/// The one event `deliver` understands: `{"kind":"run"}`, optionally for one programme and with a limit.
package struct DeliverEvent: Sendable, Codable, Equatable {
    package var kind: String
    /// Only this programme's notices (a shop of its own, or a test).
    package var programme: String?
    /// At most this many notices in this run.
    package var limit: Int?

    enum CodingKeys: String, CodingKey, CaseIterable { case kind, programme, limit }

    package init(programme: String? = nil, limit: Int? = nil) {
        self.kind = "run"
        self.programme = programme
        self.limit = limit
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(String.self, forKey: .kind)
        guard kind == "run" else {
            throw FunctionError.badInput(
                .unknownKind, field: "kind", "kind \"\(kind)\" is not a deliver event; expected one of: run")
        }
        try decoder.rejectUnknownKeys(CodingKeys.self)
        programme = try container.decodeIfPresent(String.self, forKey: .programme)
        limit = try container.decodeIfPresent(Int.self, forKey: .limit)
    }
}

/// What one run did, in notices (`messages` counts the e-mails, SMS and webhooks sent).
package struct DeliverOutput: Codable, Sendable, Equatable {
    package var claimed = 0
    package var messages = 0
    package var sent = 0
    package var retrying = 0
    package var dead = 0
    package var deferred = 0
    package var suppressed = 0

    package init() {}
}
