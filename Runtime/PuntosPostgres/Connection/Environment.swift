#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads environment variables one at a time with `getenv`.
///
/// `ProcessInfo.processInfo.environment` copies the whole environment into a dictionary, which a
/// cold function would pay for several times before doing any work.
public struct Environment: Sendable {
    private let lookup: @Sendable (String) -> String?

    public init(_ lookup: @escaping @Sendable (String) -> String?) { self.lookup = lookup }

    /// The process's environment.
    public static let process = Environment { name in getenv(name).map { String(cString: $0) } }

    /// A fixed set of variables, for tests.
    public static func fixed(_ values: [String: String]) -> Environment { Environment { values[$0] } }

    public subscript(name: String) -> String? { lookup(name) }
}
