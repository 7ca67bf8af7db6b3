import CCurlShims
public import FoundationEssentials

/// An HTTP request for `HTTPClient`.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: Data?
    /// Seconds before the transfer is abandoned; nil waits as long as it takes (a long poll).
    public var timeoutSeconds: Double?

    public init(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: Data? = nil,
        timeoutSeconds: Double? = 10
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutSeconds = timeoutSeconds
    }
}

public struct HTTPResponse: Sendable {
    public let status: Int
    /// Header names lower-cased, in the order received.
    public let headers: [(name: String, value: String)]
    public let body: Data

    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.last(where: { $0.name == wanted })?.value
    }
}

/// A blocking HTTP client over libcurl that keeps its connection between requests.
///
/// Not Sendable: one owner uses it at a time (a function handles one event at a time).
public final class HTTPClient {
    private let easy = CurlEasy()

    public init() {}

    public func perform(_ request: HTTPRequest) throws(CurlError) -> HTTPResponse {
        try easy.ready()
        easy.reset()
        let sink = CurlSink()
        let context = Unmanaged.passUnretained(sink).toOpaque()
        let headerList = CurlStringList(request.headers.map { "\($0.name): \($0.value)" } + ["Expect:"])
        easy.set(CURLOPT_URL, request.url)
        easy.set(CURLOPT_HTTPHEADER, headerList.pointer)
        easy.set(CURLOPT_TIMEOUT_MS, request.timeoutSeconds.map { Int($0 * 1000) } ?? 0)
        easy.set(CURLOPT_CONNECTTIMEOUT_MS, 5000)
        _ = puntos_curl_set_write_function(easy.handle, CurlSink.write)
        _ = puntos_curl_set_pointer(easy.handle, CURLOPT_WRITEDATA, context)
        _ = puntos_curl_set_header_function(easy.handle, CurlSink.header)
        _ = puntos_curl_set_pointer(easy.handle, CURLOPT_HEADERDATA, context)
        switch request.method {
        case "GET" where request.body == nil:
            easy.set(CURLOPT_HTTPGET, 1)
        default:
            if let body = request.body {
                easy.set(CURLOPT_POSTFIELDSIZE_LARGE, body.count)
                body.withUnsafeBytes { raw in
                    _ = puntos_curl_set_pointer(
                        easy.handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress))
                }
            } else {
                easy.set(CURLOPT_POSTFIELDSIZE_LARGE, 0)
                easy.set(CURLOPT_COPYPOSTFIELDS, "")
            }
            if request.method != "POST" { easy.set(CURLOPT_CUSTOMREQUEST, request.method) }
        }
        try withExtendedLifetime((sink, headerList)) { () throws(CurlError) in try easy.perform() }
        return HTTPResponse(status: easy.responseCode, headers: Self.parse(sink.headerLines), body: sink.body)
    }

    /// Header lines of the last response only (redirects and `100 Continue` start a new block).
    private static func parse(_ lines: [String]) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        for line in lines {
            if line.hasPrefix("HTTP/") { headers.removeAll(); continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingWhitespace
            headers.append((name, value))
        }
        return headers
    }
}

extension Substring {
    var trimmingWhitespace: String {
        var slice = self
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return String(slice)
    }
}
