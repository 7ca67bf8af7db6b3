import CLibPQ
public import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One libpq connection. Not shareable between threads: one owner uses it at a time.
///
/// The session runs in UTC with ISO dates, so timestamps read back exactly as `Timestamp` parses them.
public final class PostgresConnection {
    var handle: OpaquePointer?  // internal: PostgresConnection+Notifications.swift reads it
    public let configuration: PostgresConfiguration
    private let logger: Logger
    /// Statement text → the name it was prepared under on this connection: a statement is parsed and
    /// planned once per connection, not once per call, which a warm function runs thousands of times.
    private var prepared: [String: String] = [:]
    private var generation = 0
    private var seenOnce: Set<String> = []
    /// Statements whose answer nobody reads (`BEGIN`, `SAVEPOINT`, storing an idempotent answer), held
    /// until the next statement that is read and sent with it in one round trip (`sendWithNext`).
    var unsent: [SQL] = []
    /// How many round trips this connection has made (`Database` tells a transaction's first from the rest).
    public internal(set) var roundTrips = 0
    /// Past this many distinct statements, further ones run unprepared (text built per call would
    /// otherwise grow the cache without bound).
    public static let preparedStatementLimit = 512

    public init(configuration: PostgresConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let options =
            "-c statement_timeout=\(configuration.statementTimeoutMilliseconds) -c TimeZone=UTC -c DateStyle=ISO"
            + (configuration.forceCustomPlans ? " -c plan_cache_mode=force_custom_plan" : "")
        var keywords = ["application_name", "client_encoding"]
        var values = [configuration.applicationName, "UTF8"]
        if !configuration.transactionPooler {  // a pooler refuses `options`: Database sets them per transaction
            keywords.append("options")
            values.append(options)
        }
        if let url = configuration.url {
            keywords.append("dbname")
            values.append(url)
        }
        let connecting = withCStringArray(keywords) { keywordPointers in
            withCStringArray(values) { valuePointers in
                PQconnectStartParams(keywordPointers, valuePointers, 1)
            }
        }
        let failure = Self.finishConnecting(connecting, within: configuration.connectTimeoutSeconds)
        guard let handle = connecting, failure == nil else {
            let reason = failure ?? "out of memory"
            PQfinish(connecting)
            self.handle = nil
            throw PostgresError(
                code: .connectionFailed,
                message: "cannot connect to PostgreSQL (settings from \(configuration.sourceDescription)): \(reason); "
                    + "check that the server is running and that DATABASE_URL or PGHOST/PGPORT/PGUSER/PGDATABASE point at it")
        }
        self.handle = handle
        // Server notices ("relation already exists, skipping") are not errors: keep them off stderr.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        logger.debug("postgres.connected", metadata: ["db.server_version": "\(PQserverVersion(handle))"])
    }

    deinit { PQfinish(handle) }

    /// Drives a connection started by `PQconnectStartParams` to the end with `PQconnectPoll` and
    /// `poll()`, giving up at the deadline; nil when connected, else why not.
    ///
    /// libpq's blocking connect honours `connect_timeout` in whole seconds and at least 2; this
    /// enforces any deadline, so a checkout hears "loyalty is down" within, say, half a second.
    /// (A host name is still resolved inside `PQconnectStartParams`, before the deadline counts.)
    private static func finishConnecting(_ connection: OpaquePointer?, within seconds: Double) -> String? {
        guard let connection else { return "out of memory" }
        guard PQstatus(connection) != CONNECTION_BAD else { return trimmed(PQerrorMessage(connection)) }
        let deadline = monotonicSeconds() + max(0.001, seconds)
        var state = PGRES_POLLING_WRITING
        while true {
            switch state {
            case PGRES_POLLING_OK:
                return nil
            case PGRES_POLLING_FAILED:
                return trimmed(PQerrorMessage(connection))
            default:
                let remaining = deadline - monotonicSeconds()
                guard remaining > 0 else { return "no answer within \(seconds) s (PUNTOS_CONNECT_TIMEOUT_S)" }
                var descriptor = pollfd(
                    fd: PQsocket(connection), events: Int16(state == PGRES_POLLING_READING ? POLLIN : POLLOUT), revents: 0)
                let ready = poll(&descriptor, 1, Int32(min(remaining * 1000, 60_000).rounded(.up)))
                if ready < 0 && errno != EINTR { return "poll failed (errno \(errno))" }
                if ready == 0 { continue }  // the deadline is checked at the top
            }
            state = PQconnectPoll(connection)
        }
    }

    private static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// False once the connection has broken; make a new one.
    /// Whether the connection can be used. A connection whose server has gone (a restart, a network
    /// cut) still says CONNECTION_OK until libpq reads the end of its socket; an idle connection has
    /// nothing to read, so a readable socket is read here (notifications stay queued for `PQnotifies`)
    /// and a closed one is found broken before a statement is sent on it, not after.
    public var isHealthy: Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else { return false }
        if poll(&descriptor, 1, 0) > 0 {
            guard PQconsumeInput(handle) == 1 else { return false }
        }
        return PQstatus(handle) == CONNECTION_OK
    }

    public func close() {
        PQfinish(handle)
        handle = nil
        prepared.removeAll()
        unsent.removeAll()
    }

    /// Runs one statement with its bind parameters and returns its rows.
    @discardableResult
    public func query(_ sql: SQL, file: String = #fileID, line: Int = #line) throws -> PostgresRows {
        guard let handle else {
            throw PostgresError(
                code: .connectionLost, message: "the connection is closed", query: sql.text, file: file, line: line)
        }
        if !unsent.isEmpty { return try pipelined(sql, file: file, line: line) }
        roundTrips += 1
        let values = try Self.values(of: sql, file: file, line: line)
        let name = try preparedName(for: sql, handle: handle, file: file, line: line)
        let result = withOptionalCStringArray(values) { pointers in
            if let name {
                PQexecPrepared(handle, name, Int32(values.count), pointers, nil, nil, 0)
            } else {
                PQexecParams(handle, sql.text, Int32(values.count), nil, pointers, nil, nil, 0)
            }
        }
        defer { PQclear(result) }
        do {
            return try Self.rows(from: result, connection: handle, query: sql.text, file: file, line: line)
        } catch let error as PostgresError where error.isStalePlan {
            // The schema changed under a kept connection (a migration): prepare afresh next time.
            forgetPreparedStatements()
            throw error
        }
    }

    /// A statement's bind values as libpq's text parameters.
    static func values(of sql: SQL, file: String, line: Int) throws -> [String?] {
        var values: [String?] = []
        values.reserveCapacity(sql.binds.count)
        for (index, bind) in sql.binds.enumerated() {
            switch bind {
            case .null:
                values.append(nil)
            case .text(let text):
                // libpq passes C strings: a NUL would silently cut the value short.
                guard !text.utf8.contains(0) else {
                    throw PostgresError(
                        code: .invalidParameter, message: "parameter $\(index + 1) contains a NUL character",
                        query: sql.text, file: file, line: line)
                }
                values.append(text)
            }
        }
        return values
    }

    /// The name `sql` is prepared under, preparing it on first use; nil past the cache's limit.
    func preparedName(for sql: SQL, handle: OpaquePointer, file: String, line: Int) throws -> String? {
        if let name = prepared[sql.text] { return name }
        guard prepared.count < Self.preparedStatementLimit, !configuration.transactionPooler else { return nil }
        // Prepare on the second use: preparing costs a round trip, which a one-shot run that sends
        // each statement once would pay for nothing.
        guard seenOnce.insert(sql.text).inserted == false else {
            if seenOnce.count > Self.preparedStatementLimit * 4 { seenOnce.removeAll() }
            return nil
        }
        let name = "puntos_\(generation)_\(prepared.count + 1)"
        let result = PQprepare(handle, name, sql.text, Int32(sql.binds.count), nil)
        defer { PQclear(result) }
        _ = try Self.rows(from: result, connection: handle, query: sql.text, file: file, line: line)
        prepared[sql.text] = name
        return name
    }

    /// Drops every prepared statement of this connection (after a schema change).
    public func forgetPreparedStatements() {
        guard !prepared.isEmpty, let handle else { return }
        prepared.removeAll()
        if PQtransactionStatus(handle) == PQTRANS_IDLE {
            PQclear(PQexec(handle, "DEALLOCATE ALL"))
        } else {
            // Inside a (failed) transaction DEALLOCATE may not run; new names avoid the old ones.
            generation += 1
        }
    }

    /// Runs a script of trusted SQL with no parameters (migration files, `BEGIN`, `COMMIT`).
    /// Never pass text that contains a value from input: use `query(_:)` for that.
    public func runScript(_ script: String, file: String = #fileID, line: Int = #line) throws {
        guard let handle else {
            throw PostgresError(code: .connectionLost, message: "the connection is closed", file: file, line: line)
        }
        if !unsent.isEmpty {
            // One statement goes in the same round trip as those held for it; a longer script after them.
            if !script.contains(";") {
                try pipelined(SQL(unsafeText: script), file: file, line: line)
                return
            }
            try flushUnsent(file: file, line: line)
        }
        roundTrips += 1
        let result = PQexec(handle, script)
        defer { PQclear(result) }
        _ = try Self.rows(from: result, connection: handle, query: String(script.prefix(200)), file: file, line: line)
    }

    // The one place a libpq result becomes rows or a PostgresError.
    static func rows(
        from result: OpaquePointer?, connection: OpaquePointer, query: String,
        file: String, line: Int
    ) throws -> PostgresRows {
        guard let result else {
            throw PostgresError(
                code: PQstatus(connection) == CONNECTION_OK ? .server : .connectionLost,
                message: trimmed(PQerrorMessage(connection)), query: query, file: file, line: line)
        }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            break
        default:
            if PQstatus(connection) != CONNECTION_OK {
                throw PostgresError(
                    code: .connectionLost,
                    message: "lost the connection to PostgreSQL: \(trimmed(PQerrorMessage(connection)))",
                    query: query, file: file, line: line)
            }
            func field(_ code: Character) -> String? {
                PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
            }
            throw PostgresError(
                code: .server, sqlState: field("C").map(SQLState.init), message: field("M") ?? "unknown error",
                detail: field("D"), constraint: field("n"), query: query, file: file, line: line)
        }
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        let columns = PostgresColumns(names: (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) })
        var rows: [PostgresRow] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<Int32(rowCount) {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    let length = Int(PQgetlength(result, row, column))
                    let bytes = UnsafeRawPointer(PQgetvalue(result, row, column)!).assumingMemoryBound(to: UInt8.self)
                    values.append(String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self))
                }
            }
            rows.append(PostgresRow(columns: columns, values: values))
        }
        let affected = PQcmdTuples(result).map { Int(String(cString: $0)) ?? 0 } ?? 0
        return PostgresRows(rows: rows, affectedRows: affected)
    }

    /// libpq's message on one line: its newlines and tabs become spaces, its trailing space goes.
    static func trimmed(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        var text = ""
        var pendingSpace = false
        for character in String(cString: message) {
            if character.isWhitespace {
                pendingSpace = !text.isEmpty
            } else {
                if pendingSpace { text.append(" ") }
                pendingSpace = false
                text.append(character)
            }
        }
        return text.isEmpty ? "unknown error" : text
    }
}

private func withCStringArray<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    withOptionalCStringArray(strings.map { Optional($0) }) { pointers in
        body(pointers + [nil])  // libpq's keyword arrays end with NULL
    }
}

func withOptionalCStringArray<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let duplicates: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0)! } }
    defer { duplicates.forEach { free($0) } }
    return body(duplicates.map { UnsafePointer($0) })
}
