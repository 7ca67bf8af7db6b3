public import FoundationEssentials

/// An API Gateway HTTP API request, payload format 2.0, as AWS and `puntos` send it.
public struct APIGatewayV2Request: Codable, Sendable, Equatable {
    public struct RequestContext: Codable, Sendable, Equatable {
        public struct HTTP: Codable, Sendable, Equatable {
            public var method: String
            public var path: String
        }
        /// What a Lambda authorizer passed on (`{"lambda": {context}}`, payload 2.0 simple responses).
        public struct Authorizer: Codable, Sendable, Equatable {
            public var lambda: [String: JSONValue]?
        }
        public var requestId: String?
        public var http: HTTP?
        public var timeEpoch: Int64?
        public var authorizer: Authorizer?
    }

    public var version: String
    public var routeKey: String
    public var rawPath: String?
    public var rawQueryString: String?
    public var headers: [String: String]?
    public var queryStringParameters: [String: String]?
    public var pathParameters: [String: String]?
    public var requestContext: RequestContext
    public var body: String?
    public var isBase64Encoded: Bool?

    /// The domain event the request carries: its JSON body, with query parameters added as fields
    /// (the body wins where both name one), its path parameters (authoritative: a body naming another
    /// value is refused), and the route's `kind`.
    ///
    /// The route decides the action: where `routes` maps this route, its kind is the event's, and a
    /// body naming another kind is refused (`kind_not_allowed`, field `kind`), so that no body can
    /// widen what a route does (a public route reaches its one action, a read never writes). A
    /// function with routes refuses a route it does not map. A GET or HEAD carries no body.
    public func domainEvent(routes: [String: String]) throws(FunctionError) -> Data {
        let method = requestContext.http?.method.uppercased() ?? String(routeKey.prefix(while: { $0 != " " })).uppercased()
        if method == "GET" || method == "HEAD", let body, !body.isEmpty {
            throw .badInput(.bodyNotAllowed, field: "$", "a \(method) request carries no body")
        }
        let routeKind = routes[routeKey]
        if !routes.isEmpty, routeKind == nil {
            throw .badInput(.unknownRoute, field: "routeKey", "this function does not serve the route \(routeKey)")
        }
        var object: [String: JSONValue] = [:]
        if let bodyData = try bodyData(), !bodyData.isEmpty, isFormBody, !Self.looksLikeJSON(bodyData) {
            // An HTML form or an RFC 8058 one-click unsubscribe (`List-Unsubscribe=One-Click`): text fields.
            try EventDecoding.checkSize(bodyData)
            try EventDecoding.checkUTF8(bodyData)
            for pair in String(decoding: bodyData, as: UTF8.self).split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = Self.formDecode(parts[0]), !name.isEmpty else { continue }
                object[name] = .string(parts.count > 1 ? Self.formDecode(parts[1]) ?? "" : "")
            }
        } else if let bodyData = try bodyData(), !bodyData.isEmpty {
            try EventDecoding.checkSize(bodyData)
            try EventDecoding.checkUTF8(bodyData)
            guard let value = try? JSONCoding.decoder().decode(JSONValue.self, from: bodyData) else {
                throw .badInput(.invalidJSON, field: "$", "the request body is not valid JSON")
            }
            guard case .object(let fields) = value else {
                throw .badInput(.wrongType, field: "$", "the request body must be a JSON object")
            }
            object = fields
        }
        for (name, value) in queryStringParameters ?? [:] where object[name] == nil {
            object[name] = .string(value)
        }
        for (name, value) in pathParameters ?? [:] {
            if let given = object[name], given != .string(value) {
                throw .badInput(
                    .pathParameterMismatch, field: name, "\(name) is given by the path; the body may not name another")
            }
            object[name] = .string(value)
        }
        if let routeKind {
            if let given = object["kind"], given != .string(routeKind) {
                throw .badInput(
                    .kindNotAllowed, field: "kind",
                    "the route \(routeKey) runs \(routeKind) only; the body may not name another kind")
            }
            object["kind"] = .string(routeKind)
        }
        return try JSONCoding.encode(JSONValue.object(object))
    }

    /// curl's `-d` labels a JSON body as a form: a body that opens like JSON is read as JSON.
    private static func looksLikeJSON(_ data: Data) -> Bool {
        data.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }).map {
            $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "[")
        } ?? false
    }

    private var isFormBody: Bool {
        let type = headers?.first(where: { $0.key.lowercased() == "content-type" })?.value.lowercased() ?? ""
        return type.hasPrefix("application/x-www-form-urlencoded")
    }

    /// `application/x-www-form-urlencoded` text: `+` is a space, `%XX` a byte; nil when not UTF-8.
    static func formDecode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(32)
            case UInt8(ascii: "%"):
                guard let high = iterator.next(), let low = iterator.next(),
                    let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    func bodyData() throws(FunctionError) -> Data? {
        guard let body else { return nil }
        guard isBase64Encoded == true else { return Data(body.utf8) }
        guard let data = Data(base64Encoded: body) else {
            throw .badInput(.invalidBody, field: "$", "the request body is marked base64 but is not")
        }
        return data
    }
}

/// The answer to an API Gateway HTTP API request.
public struct APIGatewayV2Response: Codable, Sendable, Equatable {
    public var statusCode: Int
    public var headers: [String: String]
    public var body: String
    public var isBase64Encoded: Bool

    public init(statusCode: Int, json body: Data, requestId: String) {
        self.statusCode = statusCode
        self.headers = ["content-type": "application/json", "x-request-id": requestId]
        self.body = String(decoding: body, as: UTF8.self)
        self.isBase64Encoded = false
    }
}
