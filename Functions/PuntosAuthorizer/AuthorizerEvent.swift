import FoundationEssentials

/// What API Gateway (HTTP API) sends a Lambda authorizer, payload format 2.0, `type: REQUEST`:
///
///     {"version":"2.0","type":"REQUEST","routeArn":"arn:aws:execute-api:…/$default/POST/cards",
///      "identitySource":["pos","1764600000","v2=…"],"routeKey":"POST /cards","rawPath":"/cards",
///      "rawQueryString":"","headers":{"x-puntos-caller":"pos",…},"requestContext":{"http":{"method":"POST",…},…}}
///
/// Header names arrive in lower case; repeated headers are joined with commas. There is no body.
public struct AuthorizerEvent: Decodable, Sendable, Equatable {
    public struct RequestContext: Decodable, Sendable, Equatable {
        public struct HTTP: Decodable, Sendable, Equatable {
            public var method: String
            public var path: String?
        }
        public var http: HTTP?
        public var requestId: String?
    }

    public var version: String?
    public var type: String?
    public var routeArn: String?
    public var identitySource: [String]?
    public var routeKey: String?
    public var rawPath: String?
    public var rawQueryString: String?
    public var headers: [String: String]?
    public var requestContext: RequestContext?

    public init(
        method: String, rawPath: String, rawQueryString: String = "", headers: [String: String],
        routeArn: String? = nil
    ) {
        self.version = "2.0"
        self.type = "REQUEST"
        self.routeArn = routeArn
        self.rawPath = rawPath
        self.rawQueryString = rawQueryString
        self.headers = headers
        self.routeKey = "\(method) \(rawPath)"
        self.requestContext = RequestContext(http: .init(method: method, path: rawPath), requestId: nil)
    }

    /// A header by name, whatever its case.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers?.first { $0.key.lowercased() == lowered }?.value
    }

    /// The method: the request context's, else the route key's first word, else the route ARN's.
    public var method: String? {
        if let method = requestContext?.http?.method, !method.isEmpty { return method.uppercased() }
        if let routeKey, let first = routeKey.split(separator: " ").first, routeKey.contains(" ") {
            return String(first).uppercased()
        }
        // arn:aws:execute-api:region:account:api/stage/METHOD/path
        if let routeArn {
            let parts = routeArn.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count >= 3 { return String(parts[2]).uppercased() }
        }
        return nil
    }

    /// The path with its query, as the caller signed it: `/cards?email=ana%40example.com`.
    public var target: String? {
        guard let path = rawPath ?? requestContext?.http?.path else { return nil }
        guard let query = rawQueryString, !query.isEmpty else { return path }
        return path + "?" + query
    }
}

/// A simple response (`EnableSimpleResponses: true`): API Gateway answers 403 when not authorized,
/// and passes `context` to the function as `requestContext.authorizer.lambda`.
public struct AuthorizerResponse: Encodable, Sendable, Equatable {
    public var isAuthorized: Bool
    public var context: [String: String]

    public static func denied(_ reason: String) -> AuthorizerResponse {
        AuthorizerResponse(isAuthorized: false, context: ["reason": reason])
    }
}
