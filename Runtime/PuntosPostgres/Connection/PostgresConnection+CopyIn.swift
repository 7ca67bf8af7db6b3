import CLibPQ

/// `COPY … FROM STDIN` through libpq's copy protocol (`PQputCopyData`, `PQputCopyEnd`): rows are sent
/// as the caller makes them, so a bulk load holds one buffer of rows, not the whole set.
extension PostgresConnection {
    /// Runs a `COPY table (columns) FROM STDIN` statement (text format) and calls `rows` with a writer
    /// that sends bytes; the caller writes each row as tab-separated fields ending in a newline, with
    /// `CopyText.field` escaping every value. Returns the number of rows the server took.
    ///
    /// COPY takes no bind parameters, so `sql` must have none. If `rows` throws, the copy is ended
    /// with an error (the server discards what it received) and the error is rethrown.
    @discardableResult
    public func copyIn(
        _ sql: SQL, file: String = #fileID, line: Int = #line, rows: (CopyWriter) throws -> Void
    ) throws -> Int {
        guard let handle else {
            throw PostgresError(
                code: .connectionLost, message: "the connection is closed", query: sql.text, file: file, line: line)
        }
        guard sql.binds.isEmpty else {
            throw PostgresError(
                code: .invalidParameter, message: "COPY takes no bind parameters", query: sql.text, file: file, line: line)
        }
        let started = PQexec(handle, sql.text)
        guard PQresultStatus(started) == PGRES_COPY_IN else {
            defer { PQclear(started) }
            throw copyInError(started, handle: handle, sql: sql, file: file, line: line)
        }
        PQclear(started)
        let writer = CopyWriter(handle: handle)
        var failure: (any Error)?
        do {
            try rows(writer)
            try writer.flush()
        } catch {
            failure = error
        }
        if PQputCopyEnd(handle, failure == nil ? nil : "the import stopped") != 1 {
            failure =
                failure
                ?? PostgresError(
                    code: .connectionLost, message: "COPY could not end: \(String(cString: PQerrorMessage(handle)))",
                    query: sql.text, file: file, line: line)
        }
        var count = 0
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                count = Int(String(cString: PQcmdTuples(result))) ?? 0
            } else if failure == nil {
                failure = copyInError(result, handle: handle, sql: sql, file: file, line: line)
            }
            PQclear(result)
        }
        if let failure { throw failure }
        return count
    }

    private func copyInError(_ result: OpaquePointer?, handle: OpaquePointer, sql: SQL, file: String, line: Int)
        -> PostgresError
    {
        func field(_ code: Character) -> String? {
            result.flatMap { PQresultErrorField($0, Int32(code.asciiValue!)) }.map { String(cString: $0) }
        }
        return PostgresError(
            code: PQstatus(handle) == CONNECTION_OK ? .server : .connectionLost, sqlState: field("C").map(SQLState.init),
            message: field("M") ?? String(cString: PQerrorMessage(handle)), detail: field("D"), constraint: field("n"),
            query: sql.text, file: file, line: line)
    }
}

/// Sends a COPY's rows in 64 KiB chunks.
public final class CopyWriter {
    private let handle: OpaquePointer
    private var buffer: [UInt8] = []
    private static let capacity = 65_536

    init(handle: OpaquePointer) {
        self.handle = handle
        buffer.reserveCapacity(Self.capacity)
    }

    /// One row: the fields (nil is NULL), escaped for COPY's text format, tab-separated, with its newline.
    public func row(_ fields: [String?]) throws {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(0x09) }
            CopyText.append(field, to: &buffer)
        }
        buffer.append(0x0A)
        if buffer.count >= Self.capacity { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        let sent = buffer.withUnsafeBytes { bytes in
            PQputCopyData(handle, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
        }
        guard sent == 1 else {
            throw PostgresError(
                code: PQstatus(handle) == CONNECTION_OK ? .server : .connectionLost,
                message: "COPY failed: \(String(cString: PQerrorMessage(handle)))")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// COPY's text format: `\N` is NULL; a backslash, tab, newline or carriage return in a value is escaped.
public enum CopyText {
    static func append(_ value: String?, to buffer: inout [UInt8]) {
        guard let value else {
            buffer.append(contentsOf: [0x5C, 0x4E])  // \N
            return
        }
        for byte in value.utf8 {
            switch byte {
            case 0x5C: buffer.append(contentsOf: [0x5C, 0x5C])
            case 0x09: buffer.append(contentsOf: [0x5C, 0x74])
            case 0x0A: buffer.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: buffer.append(contentsOf: [0x5C, 0x72])
            default: buffer.append(byte)
            }
        }
    }
}
