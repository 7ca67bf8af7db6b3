/// An event's kinds, declared once: each kind's name, the fields it accepts and the case it becomes.
/// The one table gives the event's decoder, its list of kinds (for routes and tests) and the
/// `unknown_kind` error, so the list can never disagree with the `switch` that decodes it.
///
///     package enum RedeemEvent: KindedEvent {
///         case hold(Spend), commit(Commit)
///         package static let kindTable = EventKinds<Self>(
///             "a redeem event",
///             .kind("hold", Spend.CodingKeys.self) { .hold(try Spend(from: $0)) },
///             .kind("commit", Commit.CodingKeys.self) { .commit(try Commit(from: $0)) })
///         package init(from decoder: any Decoder) throws { self = try Self.kindTable.decode(decoder) }
///     }
///
/// Each kind refuses the keys its payload does not know (`Decoder.rejectUnknownKeys`) before the
/// payload is decoded. A missing `kind` is `missing_field` unless the table has a default kind.
public struct EventKinds<Event>: Sendable {
    /// One kind: its name, the keys its payload accepts, and how the payload becomes the event.
    public struct Kind: Sendable {
        public let name: String
        let rejectUnknownKeys: @Sendable (any Decoder) throws -> Void
        let decode: @Sendable (any Decoder) throws -> Event

        /// The kind `name`, whose payload accepts the keys `Keys` and is decoded by `decode`.
        public static func kind<Keys: CodingKey & CaseIterable>(
            _ name: String, _ keys: Keys.Type, _ decode: @escaping @Sendable (any Decoder) throws -> Event
        ) -> Kind {
            Kind(name: name, rejectUnknownKeys: { try $0.rejectUnknownKeys(Keys.self) }, decode: decode)
        }
    }

    /// What the event is called in the `unknown_kind` message: "an accrue event".
    public let description: String
    /// The kind an event without `kind` is (a scheduled sweep), or nil when `kind` is required.
    public let defaultKind: String?
    public let kinds: [Kind]

    public init(_ description: String, defaultKind: String? = nil, _ kinds: Kind...) {
        self.description = description
        self.defaultKind = defaultKind
        self.kinds = kinds
    }

    /// The kinds' names, in the order declared.
    public var names: [String] { kinds.map(\.name) }

    private enum KindKey: String, CodingKey { case kind }

    /// Reads `kind`, refuses an unknown one naming the kinds there are, refuses fields the kind does
    /// not accept, and decodes the kind's payload.
    public func decode(_ decoder: any Decoder) throws -> Event {
        let container = try decoder.container(keyedBy: KindKey.self)
        let name: String
        if let defaultKind {
            name = try container.decodeIfPresent(String.self, forKey: .kind) ?? defaultKind
        } else {
            name = try container.decode(String.self, forKey: .kind)
        }
        guard let kind = kinds.first(where: { $0.name == name }) else {
            throw FunctionError.badInput(.unknownKind, field: "kind", unknownKindMessage(name))
        }
        try kind.rejectUnknownKeys(decoder)
        return try kind.decode(decoder)
    }

    /// `kind "x" is not a redeem event; expected one of: hold, commit` (`expected sweep` for one kind).
    func unknownKindMessage(_ name: String) -> String {
        let expected = names.count == 1 ? names[0] : "one of: " + names.joined(separator: ", ")
        return "kind \"\(name)\" is not \(description); expected \(expected)"
    }
}

/// An event told apart by `kind`, decoded through its kinds table.
public protocol KindedEvent: Decodable, Sendable {
    static var kindTable: EventKinds<Self> { get }
}

extension KindedEvent {
    /// The event's kinds, in the order declared.
    public static var kinds: [String] { kindTable.names }
}
