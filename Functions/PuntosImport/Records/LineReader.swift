import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A file read a line at a time (`getline`), counting lines and bytes: one line in memory, however large the file.
final class LineReader {
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: UnsafeMutablePointer<CChar>?
    private var capacity = 0
    /// The number of the line last read, from 1.
    private(set) var lineNumber = 0
    private(set) var bytesRead: Int64 = 0
    let size: Int64

    struct Unreadable: Error, CustomStringConvertible {
        let description: String
    }

    init(path: String) throws {
        guard let file = fopen(path, "r") else {
            throw Unreadable(description: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        self.file = file
        var status = stat()
        size = fstat(fileno(file), &status) == 0 ? Int64(status.st_size) : 0
    }

    deinit {
        free(buffer)
        fclose(file)
    }

    /// The next line without its line break, or nil at the end of the file.
    func next() -> [UInt8]? {
        let length = getline(&buffer, &capacity, file)
        guard length >= 0, let buffer else { return nil }
        lineNumber += 1
        bytesRead += Int64(length)
        var count = length
        while count > 0, buffer[count - 1] == 0x0A || buffer[count - 1] == 0x0D { count -= 1 }
        return buffer.withMemoryRebound(to: UInt8.self, capacity: count) { Array(UnsafeBufferPointer(start: $0, count: count)) }
    }
}
