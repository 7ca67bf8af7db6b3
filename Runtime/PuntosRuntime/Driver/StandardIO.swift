import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reading events and writing answers on the standard streams, without Foundation's FileHandle.
enum StandardIO {
    /// Reads a file descriptor to its end, or stops one byte past `limit` so an oversized event is
    /// refused without reading all of it.
    static func readAll(fd: Int32, limit: Int) throws(FunctionError) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while data.count <= limit {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw .badInput(.unreadableInput, field: "$", "could not read the event: errno \(errno)")
            }
            data.append(contentsOf: buffer[0..<count])
        }
        return data
    }

    static func readFile(_ path: String, limit: Int) throws(FunctionError) -> Data {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw .badInput(.unreadableInput, field: "--event", "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        return try readAll(fd: fd, limit: limit)
    }

    static func write(_ data: Data, to fd: Int32) {
        var bytes = data
        bytes.append(10)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
