import FoundationEssentials
package import PuntosRuntime

/// Every event `earn-sweep` understands, each fired by a schedule (or by hand).
package enum EarnSweepEvent: KindedEvent {
    /// Credits the birthday action to the members whose birthday it is, in the programme's time zone.
    case birthdays(Sweep)
    /// Credits referrals whose referred customer's first qualifying purchase is past its return window.
    case referrals(Sweep)

    package static let kindTable = EventKinds<EarnSweepEvent>(
        "an earn-sweep event",
        .kind("birthdays", Sweep.CodingKeys.self) { .birthdays(try Sweep(from: $0)) },
        .kind("referrals", Sweep.CodingKeys.self) { .referrals(try Sweep(from: $0)) })

    package init(from decoder: any Decoder) throws { self = try Self.kindTable.decode(decoder) }

    package struct Sweep: Codable, Sendable, Equatable {
        package var kind: String
        package var programme: String?
        /// Customers (birthdays) or referrals handled per run: 1 to 100000, 10000 without it.
        package var limit: Int?

        enum CodingKeys: String, CodingKey, CaseIterable { case kind, programme, limit }
    }
}

/// What a sweep did.
package struct EarnSweepResult: Codable, Sendable, Equatable {
    /// Members (birthdays) or referrals credited.
    package var credited: Int = 0
    /// Points credited in all.
    package var points: Int64 = 0
    /// Referrals refused by the cap per referrer.
    package var refused: Int = 0
    /// Birthdays found already credited this year, or referrals decided meanwhile: nothing done.
    package var skipped: Int = 0

    package init(credited: Int = 0, points: Int64 = 0, refused: Int = 0, skipped: Int = 0) {
        self.credited = credited
        self.points = points
        self.refused = refused
        self.skipped = skipped
    }
}
