import FoundationEssentials
public import Logging
public import PuntosPostgres

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes one JSON object per line to standard error:
/// `{"ts":"…","level":"info","msg":"invocation.completed","function.name":"accrue",…}`.
///
/// The message is a constant; data goes in metadata, and every metadata value passes through
/// `LogRedaction` first. The level comes from `LOG_LEVEL` (trace, debug, info, notice, warning,
/// error, critical; default notice).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let output: @Sendable (String) -> Void

    public init(label: String, level: Logger.Level, output: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.logLevel = level
        self.output = output
    }

    /// Installs the handler for the whole process; call once, first thing.
    public static func bootstrap(function: String, environment: Environment = .process) {
        let level = environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .notice
        LoggingSystem.bootstrap { label in
            var handler = JSONLogHandler(label: label, level: level)
            handler.metadata["function.name"] = "\(function)"
            return handler
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in metadata { fields[key] = LogRedaction.redact(key: key, value: "\(value)") }
        for (key, value) in event.metadata ?? [:] { fields[key] = LogRedaction.redact(key: key, value: "\(value)") }
        fields["ts"] = Timestamp.format(Date())
        fields["level"] = event.level.rawValue
        fields["msg"] = event.message.description
        output(Self.line(fields))
    }

    /// A JSON object of string fields, keys sorted, escaped by hand to avoid an encoder per line.
    static func line(_ fields: [String: String]) -> String {
        var text = "{"
        for (index, key) in fields.keys.sorted().enumerated() {
            if index > 0 { text += "," }
            text += JSONString.quoted(key) + ":" + JSONString.quoted(fields[key]!)
        }
        return text + "}"
    }

    public static let standardError: @Sendable (String) -> Void = { line in
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}

extension Logger {
    /// A child logger carrying a request id, as every invocation gets.
    public func with(requestId: String?) -> Logger {
        var logger = self
        if let requestId { logger[metadataKey: "request.id"] = "\(requestId)" }
        return logger
    }
}
