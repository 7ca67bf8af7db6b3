import FoundationEssentials
import PuntosCore
package import PuntosRuntime

/// The one event `deliver` understands: `{"kind":"run"}`, optionally for one programme and with a limit.
package struct DeliverEvent: KindedEvent, Codable, Equatable {
    package var kind: String
    /// Only this programme's notices (a shop of its own, or a test).
    package var programme: String?
    /// At most this many notices in this run.
    package var limit: Int?

    enum CodingKeys: String, CodingKey, CaseIterable { case kind, programme, limit }

    package static let kindTable = EventKinds<DeliverEvent>(
        "a deliver event", .kind("run", CodingKeys.self) { try DeliverEvent(run: $0) })

    package init(programme: String? = nil, limit: Int? = nil) {
        self.kind = "run"
        self.programme = programme
        self.limit = limit
    }

    package init(from decoder: any Decoder) throws { self = try Self.kindTable.decode(decoder) }

    private init(run decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            programme: try container.decodeIfPresent(String.self, forKey: .programme),
            limit: try container.decodeIfPresent(Int.self, forKey: .limit))
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
    /// The payout requests sent to the provider in this run (`PayoutSender`).
    package var payouts = PayoutTally()

    package init() {}
}
