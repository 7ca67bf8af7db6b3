import Foundation

/// A raw HTTP/1.1 server on a loopback port for the Runtime API client's tests: it reads each request
/// (head and Content-Length body), records its exact bytes, and answers with the bytes a step says,
/// in the pieces the step says (one write each, a pause between), then keeps the connection, closes
/// it, or says nothing. Everything it does is real socket traffic; nothing is mocked.
final class ScriptedHTTPServer: @unchecked Sendable {
    enum Step {
        /// Answers the request with these writes, then closes the connection if `close`.
        case answer([[UInt8]], close: Bool = false)
        /// Reads the request and closes the connection without answering (a keep-alive timeout's race).
        case hangUp
        /// Reads the request and answers nothing until the server is dropped.
        case silence
    }

    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var received: [String] = []
    private var accepted = 0
    private var stopped = false
    private var listenerClosed = false

    /// The exact requests received, in order.
    var requests: [String] { lock.withLock { received } }
    /// How many connections the client opened.
    var connections: Int { lock.withLock { accepted } }

    init(ipv6: Bool = false, _ steps: [Step]) throws {
        let listener = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound: Int32
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_addr = in6addr_loopback
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard bound == 0, listen(listener, 8) == 0 else { throw Failure(description: "bind/listen: errno \(errno)") }
        var storage = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(listener, $0, &length) }
        }
        // sin_port and sin6_port sit at the same offset.
        self.listener = listener
        port = Int(UInt16(bigEndian: storage.sin6_port))
        let thread = Thread { [self] in serve(steps) }
        thread.start()
    }

    deinit { closeListener() }

    /// Stops listening: a connect to `port` is refused from now on.
    func closeListener() {
        lock.withLock {
            if !listenerClosed { close(listener) }
            listenerClosed = true
        }
    }

    /// Ends a `silence` step (the thread holds the server until its script is done).
    func stop() { lock.withLock { stopped = true } }

    struct Failure: Error, CustomStringConvertible { let description: String }

    private var isStopped: Bool { lock.withLock { stopped } }

    private func serve(_ steps: [Step]) {
        var connection: Int32 = -1
        defer { if connection >= 0 { close(connection) } }
        for step in steps {
            var request: [UInt8]?
            while request == nil {
                if connection < 0 {
                    guard wait(listener, seconds: 10) else { return }
                    connection = accept(listener, nil, nil)
                    guard connection >= 0 else { return }
                    lock.withLock { accepted += 1 }
                }
                request = read(connection)
                if request == nil {
                    close(connection)
                    connection = -1
                }
            }
            lock.withLock { received.append(String(decoding: request!, as: UTF8.self)) }
            switch step {
            case .answer(let pieces, let closing):
                for (index, piece) in pieces.enumerated() {
                    if index > 0 { usleep(300) }
                    _ = piece.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                }
                if closing {
                    close(connection)
                    connection = -1
                }
            case .hangUp:
                close(connection)
                connection = -1
            case .silence:
                for _ in 0..<500 where !isStopped { usleep(20_000) }
                return
            }
        }
        // Holds the last connection until the client closes it (or the test ends).
        if connection >= 0, wait(connection, seconds: 10) { _ = read(connection) }
    }

    private func wait(_ descriptor: Int32, seconds: Int32) -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&poller, 1, seconds * 1000) > 0
    }

    /// One request: the head to its blank line, then as many bytes as its Content-Length says; nil at the end.
    private func read(_ connection: Int32) -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var needed: Int?
        while needed.map({ bytes.count < $0 }) ?? true {
            guard wait(connection, seconds: 10) else { return nil }
            let count = recv(connection, &chunk, chunk.count, 0)
            guard count > 0 else { return nil }
            bytes += chunk.prefix(count)
            if needed == nil, let end = bytes.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).lowercased()
                let length =
                    head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                needed = end.upperBound + length
            }
        }
        return bytes
    }
}

extension ScriptedHTTPServer.Step {
    /// One answer written in one piece.
    static func whole(_ text: String, close: Bool = false) -> Self { .answer([Array(text.utf8)], close: close) }
    /// One answer written a byte at a time.
    static func byteByByte(_ text: String) -> Self { .answer(text.utf8.map { [$0] }) }
}
