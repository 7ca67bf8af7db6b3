import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A blocking HTTP/1.1 client for the Lambda Runtime API and nothing else: plain HTTP to one host:port
/// (`AWS_LAMBDA_RUNTIME_API`), one kept-alive connection reused between invocations, no TLS, no redirects,
/// no cookies. It replaces libcurl on the worker's hot path, so a worker that never calls out itself never
/// loads libcurl (nor the libssl/libcrypto pages its initialisation touches).
///
/// - The host is a name or an address (IPv4 or `[IPv6]`), resolved by getaddrinfo at each connect.
/// - TCP_NODELAY; a connect timeout; a request's timeout bounds the whole exchange, or nothing (the
///   long poll of `next`).
/// - A request is one `sendmsg` of head and body, with Content-Length always.
/// - A response is read by Content-Length, chunked transfer coding, or to the close; its header block
///   and its body are bounded; `Connection: close` is honoured.
/// - A connection the server closed between requests is replaced once, transparently.
/// - Anything else a peer does wrong ends in a `RuntimeAPIConnectionError`, never a crash or a hang.
///
/// Not Sendable: one worker loop owns it.
final class RuntimeAPIConnection {
    struct Limits {
        /// The status line and headers together (and a chunked body's trailers).
        var headerBytes = 16 * 1024
        /// Lambda's payload limit for a synchronous invocation.
        var bodyBytes = 6 * 1024 * 1024
    }

    let endpoint: String
    let limits: Limits
    let connectTimeout: Duration
    private let target: Result<(host: String, port: String), RuntimeAPIConnectionError>
    private var fd: Int32 = -1
    /// Bytes received and not yet parsed, from `start` on.
    private var buffer: [UInt8] = []
    private var start = 0
    private var scratch = [UInt8](repeating: 0, count: 16 * 1024)
    /// Whether any byte of the current response has come (a failure before that may be a stale connection).
    private var responseBegan = false

    init(endpoint: String, connectTimeout: Duration = .seconds(5), limits: Limits = Limits()) {
        self.endpoint = endpoint
        self.connectTimeout = connectTimeout
        self.limits = limits
        self.target = Self.split(endpoint)
    }

    deinit { disconnect() }

    /// Sends one request and reads its response. `timeout` bounds the whole exchange after the connect;
    /// nil waits as long as the server takes (the long poll of `next`).
    func send(
        _ method: String, _ path: String, headers: [(name: String, value: String)] = [], body: Data = Data(),
        timeout: Duration?
    ) throws -> RuntimeAPIResponse {
        let head = try Self.head(method: method, path: path, host: endpoint, headers: headers, bodyCount: body.count)
        var reused = fd >= 0
        if reused, peerHasClosed() {
            disconnect()
            reused = false
        }
        if fd < 0 { try connectAfresh() }
        do {
            return try exchange(head, body, deadline: timeout.map { ContinuousClock.now + $0 })
        } catch let error as RuntimeAPIConnectionError where reused && !responseBegan && error.kind != .timeout {
            // The server closed the kept-alive connection while the request was on its way: once more, afresh.
            try connectAfresh()
            return try exchange(head, body, deadline: timeout.map { ContinuousClock.now + $0 })
        }
    }

    private func exchange(_ head: [UInt8], _ body: Data, deadline: ContinuousClock.Instant?) throws -> RuntimeAPIResponse {
        responseBegan = false
        do {
            try write(head, body, deadline: deadline)
            let (response, keepAlive) = try readResponse(deadline: deadline)
            // Bytes nobody asked for after a response: the stream cannot be trusted any more.
            if !keepAlive || start < buffer.count { disconnect() } else { compact() }
            return response
        } catch {
            disconnect()
            throw error
        }
    }

    // MARK: the request

    /// `METHOD path HTTP/1.1`, Host, the caller's headers, Content-Length; refuses what would break the framing.
    static func head(
        method: String, path: String, host: String, headers: [(name: String, value: String)], bodyCount: Int
    ) throws -> [UInt8] {
        guard !method.isEmpty, method.utf8.allSatisfy(isTokenByte) else { throw invalid("method \(method)") }
        guard path.hasPrefix("/"), path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw invalid("path \(path)") }
        var text = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\n"
        for (name, value) in headers {
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else { throw invalid("header name \(name)") }
            guard value.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 }) else { throw invalid("header \(name)") }
            text += "\(name): \(value)\r\n"
        }
        text += "Content-Length: \(bodyCount)\r\n\r\n"
        return Array(text.utf8)
    }

    private static func invalid(_ what: String) -> RuntimeAPIConnectionError {
        RuntimeAPIConnectionError(.invalidRequest, "cannot send \(what.debugDescription.prefix(120)) in an HTTP request")
    }

    /// RFC 9110 token characters.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default: return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Head and body in one `sendmsg` (more only if the kernel takes part of it).
    private func write(_ head: [UInt8], _ body: Data, deadline: ContinuousClock.Instant?) throws {
        try head.withUnsafeBytes { head in
            try body.withUnsafeBytes { body in
                let total = head.count + body.count
                var sent = 0
                while sent < total {
                    var vectors: [iovec] = []
                    if sent < head.count {
                        vectors.append(
                            iovec(
                                iov_base: UnsafeMutableRawPointer(mutating: head.baseAddress! + sent), iov_len: head.count - sent)
                        )
                    }
                    let bodySent = max(0, sent - head.count)
                    if bodySent < body.count {
                        vectors.append(
                            iovec(
                                iov_base: UnsafeMutableRawPointer(mutating: body.baseAddress! + bodySent),
                                iov_len: body.count - bodySent))
                    }
                    let count = vectors.withUnsafeMutableBufferPointer { vectors in
                        var message = msghdr()
                        message.msg_iov = vectors.baseAddress
                        message.msg_iovlen = numericCast(vectors.count)
                        return sendmsg(fd, &message, Self.noSignal)
                    }
                    if count > 0 {
                        sent += count
                    } else if count < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                        try wait(for: Int16(POLLOUT), until: deadline)
                    } else if count < 0, errno == EINTR {
                        continue
                    } else {
                        throw RuntimeAPIConnectionError(.closed, "the connection failed while sending: \(Self.errorText(errno))")
                    }
                }
            }
        }
    }

    // MARK: the response

    private func readResponse(deadline: ContinuousClock.Instant?) throws -> (RuntimeAPIResponse, keepAlive: Bool) {
        while true {
            let head = try readHead(deadline: deadline)
            // 1xx answers are interim (this client never asks for one, but a server may send 100 Continue).
            if (100..<200).contains(head.status) {
                guard head.status != 101 else { throw RuntimeAPIConnectionError(.malformed, "the server switched protocols") }
                continue
            }
            var keepAlive = head.version == "HTTP/1.1"
            for token in head.values("connection").flatMap({ $0.split(separator: ",") }) {
                switch token.trimmingWhitespace.lowercased() {
                case "close": keepAlive = false
                case "keep-alive": keepAlive = true
                default: break
                }
            }
            let body: Data
            if head.status == 204 || head.status == 304 {
                body = Data()
            } else if let codings = head.values("transfer-encoding").last {
                guard codings.split(separator: ",").last?.trimmingWhitespace.lowercased() == "chunked" else {
                    throw RuntimeAPIConnectionError(.malformed, "unsupported Transfer-Encoding \(codings.debugDescription)")
                }
                body = try readChunked(deadline: deadline)
            } else if let length = try head.contentLength() {
                guard length <= limits.bodyBytes else {
                    throw RuntimeAPIConnectionError(
                        .tooLarge, "the body's Content-Length \(length) is over the limit of \(limits.bodyBytes) bytes")
                }
                body = try readExactly(length, deadline: deadline)
            } else {
                body = try readToClose(deadline: deadline)
                keepAlive = false
            }
            return (RuntimeAPIResponse(status: head.status, headers: head.headers, body: body), keepAlive)
        }
    }

    private struct Head {
        var version: String
        var status: Int
        var headers: [(name: String, value: String)]

        func values(_ name: String) -> [String] { headers.filter { $0.name == name }.map(\.value) }

        func contentLength() throws -> Int? {
            let values = values("content-length").flatMap { $0.split(separator: ",") }.map {
                $0.trimmingWhitespace
            }
            guard let first = values.first else { return nil }
            guard values.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                first.utf8.count <= 18, let length = Int(first)
            else {
                throw RuntimeAPIConnectionError(
                    .malformed, "bad Content-Length \(values.joined(separator: ",").debugDescription)")
            }
            return length
        }
    }

    private func readHead(deadline: ContinuousClock.Instant?) throws -> Head {
        var searched = start
        while true {
            if let end = find(Self.headEnd, from: searched), end + Self.headEnd.count - start <= limits.headerBytes {
                let head = buffer[start..<end]
                start = end + Self.headEnd.count
                return try Self.parseHead(head)
            }
            let buffered = buffer.count - start
            if buffered >= 5, !buffer[start..<start + 5].elementsEqual("HTTP/".utf8) {
                let shown = String(decoding: buffer[start..<min(buffer.count, start + 40)], as: UTF8.self)
                throw RuntimeAPIConnectionError(.malformed, "not an HTTP response: \(shown.debugDescription)")
            }
            guard buffered <= limits.headerBytes else {
                throw RuntimeAPIConnectionError(.tooLarge, "the response's header block is over \(limits.headerBytes) bytes")
            }
            searched = max(start, buffer.count - 3)
            guard try receive(deadline: deadline) > 0 else {
                throw RuntimeAPIConnectionError(
                    .closed,
                    buffered == 0
                        ? "the server closed the connection without answering"
                        : "the server closed the connection in the middle of the response's head")
            }
        }
    }

    private static let headEnd = Array("\r\n\r\n".utf8)
    private static let lineEnd = Array("\r\n".utf8)
    private static let versions = [Array("HTTP/1.1".utf8), Array("HTTP/1.0".utf8)]

    /// The status line and the header fields, read from the bytes as they are (no String per line).
    private static func parseHead(_ bytes: ArraySlice<UInt8>) throws -> Head {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = bytes.startIndex
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            if bytes[index] == 0x0D, bytes[index + 1] == 0x0A {
                lines.append(bytes[lineStart..<index])
                index += 2
                lineStart = index
            } else {
                index += 1
            }
        }
        lines.append(bytes[lineStart..<bytes.endIndex])
        let statusLine = lines[0]
        let parts = statusLine.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, Self.versions.contains(where: parts[0].elementsEqual), parts[1].count == 3,
            parts[1].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            case let status = parts[1].reduce(0, { $0 * 10 + Int($1 - 0x30) }), (100...599).contains(status)
        else {
            let shown = String(decoding: statusLine.prefix(80), as: UTF8.self)
            throw RuntimeAPIConnectionError(.malformed, "bad status line \(shown.debugDescription)")
        }
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(lines.count - 1)
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon != line.startIndex,
                line[..<colon].allSatisfy(isTokenByte), !line.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 })
            else {
                let shown = String(decoding: line.prefix(80), as: UTF8.self)
                throw RuntimeAPIConnectionError(.malformed, "bad header line \(shown.debugDescription)")
            }
            var value = line[(colon + 1)...]
            while let first = value.first, first == 0x20 || first == 0x09 { value.removeFirst() }
            while let last = value.last, last == 0x20 || last == 0x09 { value.removeLast() }
            // A token is ASCII: lowercasing its bytes is lowercasing the name.
            let name = String(decoding: line[..<colon].lazy.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
            headers.append((name, String(decoding: value, as: UTF8.self)))
        }
        return Head(version: String(decoding: parts[0], as: UTF8.self), status: status, headers: headers)
    }

    /// Chunks (`size[;extensions] CRLF data CRLF`) up to the `0` chunk, then trailers to the empty line.
    private func readChunked(deadline: ContinuousClock.Instant?) throws -> Data {
        var body = Data()
        while true {
            let line = try readLine("chunk size line", limit: 1024, deadline: deadline)
            let digits = line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .trimmingWhitespace
            guard !digits.isEmpty, digits.utf8.count <= 15, let size = Int(digits, radix: 16), size >= 0 else {
                throw RuntimeAPIConnectionError(.malformed, "bad chunk size line \(String(line.prefix(40)).debugDescription)")
            }
            if size == 0 { break }
            guard body.count + size <= limits.bodyBytes else {
                throw RuntimeAPIConnectionError(.tooLarge, "the chunked body is over the limit of \(limits.bodyBytes) bytes")
            }
            body.append(try readExactly(size, deadline: deadline))
            _ = try readLine("end of a chunk (no more bytes than its size says)", limit: 0, deadline: deadline)
        }
        var trailerBytes = 0
        while true {
            let trailer = try readLine("trailer", limit: limits.headerBytes, deadline: deadline)
            if trailer.isEmpty { return body }
            trailerBytes += trailer.utf8.count + 2
            guard trailerBytes <= limits.headerBytes else {
                throw RuntimeAPIConnectionError(.tooLarge, "the chunked body's trailers are over \(limits.headerBytes) bytes")
            }
        }
    }

    /// One line without its CRLF; a line longer than `limit` is an error that names `what`.
    private func readLine(_ what: String, limit: Int, deadline: ContinuousClock.Instant?) throws -> String {
        var searched = start
        while true {
            if let end = find(Self.lineEnd, from: searched) {
                guard end - start <= limit else {
                    throw RuntimeAPIConnectionError(.malformed, "bad \(what): over \(limit) bytes")
                }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = end + 2
                return line
            }
            guard buffer.count - start <= limit + 1 else {
                throw RuntimeAPIConnectionError(.malformed, "bad \(what): over \(limit) bytes")
            }
            searched = max(start, buffer.count - 1)
            guard try receive(deadline: deadline) > 0 else {
                throw RuntimeAPIConnectionError(.closed, "the server closed the connection in the middle of the body")
            }
        }
    }

    private func readExactly(_ count: Int, deadline: ContinuousClock.Instant?) throws -> Data {
        var body = Data(capacity: count)
        let buffered = min(count, buffer.count - start)
        body.append(contentsOf: buffer[start..<start + buffered])
        start += buffered
        compact()
        while body.count < count {
            let received = try receiveDirect(deadline: deadline)
            guard received > 0 else {
                throw RuntimeAPIConnectionError(
                    .closed, "the server closed the connection after \(body.count) of \(count) bytes of the body")
            }
            let used = min(received, count - body.count)
            body.append(contentsOf: scratch[0..<used])
            buffer.append(contentsOf: scratch[used..<received])
        }
        return body
    }

    private func readToClose(deadline: ContinuousClock.Instant?) throws -> Data {
        var body = Data(buffer[start...])
        start = buffer.count
        compact()
        while true {
            guard body.count <= limits.bodyBytes else {
                throw RuntimeAPIConnectionError(.tooLarge, "the body is over the limit of \(limits.bodyBytes) bytes")
            }
            let received = try receiveDirect(deadline: deadline)
            if received == 0 { return body }
            body.append(contentsOf: scratch[0..<received])
        }
    }

    private func find(_ pattern: [UInt8], from: Int) -> Int? {
        guard buffer.count - from >= pattern.count else { return nil }
        var index = from
        while index <= buffer.count - pattern.count {
            if buffer[index] == pattern[0], buffer[index..<index + pattern.count].elementsEqual(pattern) { return index }
            index += 1
        }
        return nil
    }

    private func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
    }

    /// Appends what the socket has to `buffer`; 0 at the end of the stream.
    private func receive(deadline: ContinuousClock.Instant?) throws -> Int {
        let count = try receiveDirect(deadline: deadline)
        buffer.append(contentsOf: scratch[0..<count])
        return count
    }

    /// Reads what the socket has into `scratch`; 0 at the end of the stream.
    private func receiveDirect(deadline: ContinuousClock.Instant?) throws -> Int {
        while true {
            let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                responseBegan = true
                return count
            }
            if count == 0 { return 0 }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: try wait(for: Int16(POLLIN), until: deadline)
            case ECONNRESET: return 0
            default: throw RuntimeAPIConnectionError(.io, "recv: \(Self.errorText(errno))")
            }
        }
    }

    private func wait(for events: Int16, until deadline: ContinuousClock.Instant?) throws {
        while true {
            var milliseconds: Int32 = -1
            if let deadline {
                let left = ContinuousClock.now.duration(to: deadline)
                guard left > .zero else { throw RuntimeAPIConnectionError(.timeout, "no answer within the request's timeout") }
                milliseconds = Int32(
                    clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            }
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0, errno != EINTR { throw RuntimeAPIConnectionError(.io, "poll: \(Self.errorText(errno))") }
        }
    }

    // MARK: the connection

    /// Whether the kept-alive connection was closed (or sent something unasked) while idle.
    private func peerHasClosed() -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, Int32(MSG_PEEK))
        return !(count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    }

    private func connectAfresh() throws {
        disconnect()
        let (host, port) = try target.get()
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Self.streamType
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, port, &hints, &list)
        guard resolved == 0, let list else {
            throw RuntimeAPIConnectionError(.address, "cannot resolve \(host): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(list) }
        var failure = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let address = entry {
            entry = address.pointee.ai_next
            do {
                fd = try Self.open(address.pointee, timeout: connectTimeout)
                return
            } catch let error as RuntimeAPIConnectionError {
                failure = error.message
            }
        }
        throw RuntimeAPIConnectionError(.connect, "cannot connect to \(endpoint): \(failure)")
    }

    /// A non-blocking, close-on-exec, TCP_NODELAY socket connected within `timeout`.
    private static func open(_ address: addrinfo, timeout: Duration) throws -> Int32 {
        let descriptor = socket(address.ai_family, address.ai_socktype, address.ai_protocol)
        guard descriptor >= 0 else { throw RuntimeAPIConnectionError(.connect, "socket: \(errorText(errno))") }
        var ok = false
        defer { if !ok { close(descriptor) } }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        var one: Int32 = 1
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if connect(descriptor, address.ai_addr, address.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else { throw RuntimeAPIConnectionError(.connect, errorText(errno)) }
            let deadline = ContinuousClock.now + timeout
            while true {
                let left = ContinuousClock.now.duration(to: deadline)
                guard left > .zero else { throw RuntimeAPIConnectionError(.connect, "timed out") }
                var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                let milliseconds = Int32(
                    clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
                let ready = poll(&poller, 1, milliseconds)
                if ready > 0 { break }
                if ready < 0, errno != EINTR { throw RuntimeAPIConnectionError(.connect, "poll: \(errorText(errno))") }
            }
            var status: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &status, &length)
            guard status == 0 else { throw RuntimeAPIConnectionError(.connect, errorText(status)) }
        }
        ok = true
        return descriptor
    }

    private func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
        buffer.removeAll(keepingCapacity: true)
        start = 0
    }

    /// `host:port` or `[v6 address]:port`.
    static func split(_ endpoint: String) -> Result<(host: String, port: String), RuntimeAPIConnectionError> {
        let failure = RuntimeAPIConnectionError(.address, "AWS_LAMBDA_RUNTIME_API \(endpoint.debugDescription) is not host:port")
        guard let colon = endpoint.lastIndex(of: ":") else { return .failure(failure) }
        var host = endpoint[..<colon]
        let port = endpoint[endpoint.index(after: colon)...]
        if host.hasPrefix("[") {
            guard host.hasSuffix("]") else { return .failure(failure) }
            host = host.dropFirst().dropLast()
        } else if host.contains(":") {
            return .failure(failure)
        }
        guard !host.isEmpty, let number = UInt16(port), number > 0, port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return .failure(failure)
        }
        return .success((String(host), String(port)))
    }

    private static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

    #if canImport(Glibc)
        private static let streamType = Int32(SOCK_STREAM.rawValue)
        private static let noSignal = Int32(MSG_NOSIGNAL)
    #else
        private static let streamType = SOCK_STREAM
        private static let noSignal: Int32 = 0
    #endif
}

/// A Runtime API response: status, headers (names lower-cased, in order), body.
struct RuntimeAPIResponse {
    let status: Int
    let headers: [(name: String, value: String)]
    let body: Data

    func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.last(where: { $0.name == wanted })?.value
    }
}

/// Why a Runtime API exchange failed. Every way a peer can misbehave ends here, never in a crash or a hang.
struct RuntimeAPIConnectionError: Error, CustomStringConvertible, Equatable {
    enum Kind: String, Sendable {
        /// `AWS_LAMBDA_RUNTIME_API` is not host:port, or its host does not resolve.
        case address
        /// No connection could be made (refused, unreachable, the connect timeout).
        case connect
        /// The response did not come within the request's timeout.
        case timeout
        /// The server closed the connection before the whole response came.
        case closed
        /// A socket call failed.
        case io
        /// The bytes are not an HTTP/1.x response.
        case malformed
        /// The header block or the body is over its limit.
        case tooLarge
        /// The request cannot be written as HTTP (a control character in its path or a header).
        case invalidRequest
    }

    let kind: Kind
    let message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    var description: String { "runtime API \(kind.rawValue): \(message)" }
}
