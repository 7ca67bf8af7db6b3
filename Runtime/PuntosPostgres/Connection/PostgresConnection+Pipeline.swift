import CLibPQ

/// Statements whose answer is not read, sent in the same round trip as the next statement that is
/// (libpq's pipeline mode): `BEGIN` with a transaction's first statement, `SAVEPOINT` with the one
/// after it, storing an idempotent answer with `COMMIT`. A warm function's transaction then costs as
/// many round trips as it has statements whose rows it reads, plus its commit.
///
/// A held statement's error is thrown by the call that sends it, naming that statement, and the
/// statements after it in the same round trip are not run (their transaction is aborted anyway).
extension PostgresConnection {
    /// Holds `sql` until the next `query` or `runScript`, which sends it first, in the same round trip.
    public func sendWithNext(_ sql: SQL) {
        unsent.append(sql)
    }

    /// Forgets the held statements, unsent (a transaction that failed before its first statement was
    /// sent). True when the server is in no transaction of this connection's afterwards.
    public func discardUnsent() -> Bool {
        unsent.removeAll()
        guard let handle else { return true }
        return PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    /// Sends the held statements alone (before a script of several statements).
    func flushUnsent(file: String, line: Int) throws {
        guard let last = unsent.popLast() else { return }
        try pipelined(last, file: file, line: line)
    }

    /// The held statements and `sql` in one round trip; `sql`'s rows, or the first error.
    @discardableResult
    func pipelined(_ sql: SQL, file: String, line: Int) throws -> PostgresRows {
        guard let handle else {
            throw PostgresError(
                code: .connectionLost, message: "the connection is closed", query: sql.text, file: file, line: line)
        }
        let statements = unsent + [sql]
        unsent.removeAll()
        roundTrips += 1
        // Preparing is a round trip of its own, outside the pipeline, once per statement and connection.
        let names = try statements.map {
            try $0.binds.isEmpty ? nil : preparedName(for: $0, handle: handle, file: file, line: line)
        }
        guard PQenterPipelineMode(handle) == 1 else { throw lost(handle, sql, file, line) }
        defer { PQexitPipelineMode(handle) }
        for (statement, name) in zip(statements, names) {
            let values = try Self.values(of: statement, file: file, line: line)
            let sent = withOptionalCStringArray(values) { pointers in
                if let name {
                    PQsendQueryPrepared(handle, name, Int32(values.count), pointers, nil, nil, 0)
                } else {
                    PQsendQueryParams(handle, statement.text, Int32(values.count), nil, pointers, nil, nil, 0)
                }
            }
            guard sent == 1 else { throw lost(handle, statement, file, line) }
        }
        guard PQpipelineSync(handle) == 1 else { throw lost(handle, sql, file, line) }
        // Each statement's result, then a NULL; after the last, the sync's. A failed statement's
        // successors answer PGRES_PIPELINE_ABORTED.
        var outcomes: [Result<PostgresRows, PostgresError>?] = Array(repeating: nil, count: statements.count)
        var index = 0
        while true {
            guard let result = PQgetResult(handle) else {
                guard PQstatus(handle) == CONNECTION_OK else {
                    throw lost(handle, statements[min(index, statements.count - 1)], file, line)
                }
                index += 1
                guard index <= statements.count else {
                    throw PostgresError(
                        code: .unexpectedResult, message: "a pipeline ended without its sync", query: sql.text, file: file,
                        line: line)
                }
                continue
            }
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            if status == PGRES_PIPELINE_SYNC { break }
            guard index < statements.count, status != PGRES_PIPELINE_ABORTED else { continue }
            do {
                outcomes[index] = .success(
                    try Self.rows(from: result, connection: handle, query: statements[index].text, file: file, line: line))
            } catch let error as PostgresError {
                outcomes[index] = .failure(error)
            }
        }
        for outcome in outcomes {
            if case .failure(let error) = outcome {
                if error.isStalePlan { forgetPreparedStatements() }
                throw error
            }
        }
        guard case .success(let rows) = outcomes[statements.count - 1] else {
            throw PostgresError(
                code: .unexpectedResult, message: "no result for a pipelined statement", query: sql.text, file: file, line: line)
        }
        return rows
    }

    private func lost(_ handle: OpaquePointer, _ sql: SQL, _ file: String, _ line: Int) -> PostgresError {
        PostgresError(
            code: PQstatus(handle) == CONNECTION_OK ? .server : .connectionLost,
            message: Self.trimmed(PQerrorMessage(handle)), query: sql.text, file: file, line: line)
    }
}
