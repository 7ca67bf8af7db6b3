import Foundation

/// The template's HttpApi routes, matched the way API Gateway does: literal segments beat
/// `{parameters}`, which beat `{greedy+}`; `ANY` matches every method.
struct RouteTable: Sendable {
    struct Entry: Sendable {
        let route: Template.Route
        let function: String
        let segments: [Substring]
        var specificity: Int {
            segments.reduce(0) { $0 * 3 + ($1.hasSuffix("+}") ? 0 : $1.hasPrefix("{") ? 1 : 2) }
        }
    }

    struct Match: Sendable {
        let route: Template.Route
        let function: String
        let pathParameters: [String: String]
    }

    private let entries: [Entry]

    init(_ functions: [Template.Function]) {
        var entries: [Entry] = []
        for function in functions {
            for route in function.routes {
                entries.append(Entry(route: route, function: function.name, segments: route.path.split(separator: "/")))
            }
        }
        self.entries = entries.sorted {
            ($0.segments.count, $0.specificity, $0.route.method == "ANY" ? 0 : 1) > (
                $1.segments.count, $1.specificity, $1.route.method == "ANY" ? 0 : 1
            )
        }
    }

    enum Lookup { case found(Match), methodNotAllowed, notFound }

    func match(method: String, path: String) -> Lookup {
        let parts = path.split(separator: "/")
        var pathMatched = false
        for entry in entries {
            guard let parameters = Self.match(entry.segments, parts) else { continue }
            pathMatched = true
            if entry.route.method == method || entry.route.method == "ANY" || (method == "HEAD" && entry.route.method == "GET") {
                return .found(Match(route: entry.route, function: entry.function, pathParameters: parameters))
            }
        }
        return pathMatched ? .methodNotAllowed : .notFound
    }

    private static func match(_ pattern: [Substring], _ parts: [Substring]) -> [String: String]? {
        var parameters: [String: String] = [:]
        for (index, segment) in pattern.enumerated() {
            if segment.hasPrefix("{"), segment.hasSuffix("+}") {
                guard index < parts.count else { return nil }
                parameters[String(segment.dropFirst().dropLast(2))] =
                    parts[index...].joined(separator: "/").removingPercentEncoding
                return parameters
            }
            guard index < parts.count else { return nil }
            if segment.hasPrefix("{"), segment.hasSuffix("}") {
                guard let value = String(parts[index]).removingPercentEncoding else { return nil }
                parameters[String(segment.dropFirst().dropLast())] = value
            } else if segment != parts[index] {
                return nil
            }
        }
        return pattern.count == parts.count ? parameters : nil
    }
}
