import Foundation

/// A raw TCP connection to a local port, for requests curl will not send (a lying Content-Length, a
/// body that never comes). Loopback only.
final class RawHTTP {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect failed: errno \(errno)") }
    }

    deinit { close(fd) }

    struct Failure: Error, CustomStringConvertible { let description: String }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until a response head has come (or the peer closes, or `seconds` pass).
    func readHead(seconds: Double) -> String {
        var data = [UInt8]()
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline, !String(decoding: data, as: UTF8.self).contains("\r\n\r\n") {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 100) <= 0 { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data += buffer.prefix(count)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads until the peer closes or `seconds` pass; returns what came and whether the peer closed.
    func readUntilClosed(seconds: Double) -> (text: String, closed: Bool) {
        var data = [UInt8]()
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 100)
            if ready <= 0 { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { return (String(decoding: data, as: UTF8.self), true) }
            data += buffer.prefix(count)
        }
        return (String(decoding: data, as: UTF8.self), false)
    }
}
