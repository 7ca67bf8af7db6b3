import CLibPQ

/// `COPY … TO STDOUT` through libpq's copy protocol (`PQgetCopyData`): rows arrive one at a time and
/// are handed on at once, so memory stays that of one row however large the table.
extension PostgresConnection {
    /// Runs a `COPY (…) TO STDOUT` statement and calls `row` with each row's bytes as the server sent
    /// them (the format's own encoding, ending in a newline). Returns the number of rows.
    ///
    /// COPY takes no bind parameters, so `sql` must have none: pass values through settings read
    /// with `current_setting()` (`SELECT set_config('puntos.x', $1, true)` in the same transaction).
    /// If `row` throws, the connection is closed (it is still in the middle of the copy) and the
    /// error is rethrown.
    @discardableResult
    public func copyOut(
        _ sql: SQL, file: String = #fileID, line: Int = #line, row: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Int {
        guard let handle else {
            throw PostgresError(
                code: .connectionLost, message: "the connection is closed", query: sql.text, file: file, line: line)
        }
        guard sql.binds.isEmpty else {
            throw PostgresError(
                code: .invalidParameter, message: "COPY takes no bind parameters: pass values with set_config()",
                query: sql.text, file: file, line: line)
        }
        let started = PQexec(handle, sql.text)
        guard PQresultStatus(started) == PGRES_COPY_OUT else {
            defer { PQclear(started) }
            guard started == nil || PQresultStatus(started) == PGRES_FATAL_ERROR else {
                throw PostgresError(
                    code: .invalidParameter, message: "copyOut runs COPY ... TO STDOUT statements only", query: sql.text,
                    file: file, line: line)
            }
            throw copyError(started, handle: handle, sql: sql, file: file, line: line)
        }
        PQclear(started)
        var rows = 0
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &buffer, 0)
            if length > 0, let buffer {
                defer { PQfreemem(buffer) }
                do {
                    try row(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
                } catch {
                    close()
                    throw error
                }
                rows += 1
            } else if length == -1 {
                break  // the copy is done; its result follows
            } else {
                throw PostgresError(
                    code: PQstatus(handle) == CONNECTION_OK ? .server : .connectionLost,
                    message: "COPY failed: \(String(cString: PQerrorMessage(handle)))", query: sql.text, file: file, line: line)
            }
        }
        // The command's result, then NULL: the connection is ready for the next statement.
        var failure: PostgresError?
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, failure == nil {
                failure = copyError(result, handle: handle, sql: sql, file: file, line: line)
            }
            PQclear(result)
        }
        if let failure { throw failure }
        return rows
    }

    private func copyError(_ result: OpaquePointer?, handle: OpaquePointer, sql: SQL, file: String, line: Int) -> PostgresError {
        guard let result else {
            return PostgresError(
                code: PQstatus(handle) == CONNECTION_OK ? .server : .connectionLost,
                message: String(cString: PQerrorMessage(handle)), query: sql.text, file: file, line: line)
        }
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
        }
        return PostgresError(
            code: .server, sqlState: field("C").map(SQLState.init), message: field("M") ?? "COPY did not start",
            detail: field("D"), constraint: field("n"), query: sql.text, file: file, line: line)
    }
}
