/// One row of a result, its values in PostgreSQL's text format.
public struct PostgresRow: Sendable {
    let columns: PostgresColumns
    let values: [String?]

    /// The value of a column as `T`; a NULL or a value that is not a `T` throws a decoding error.
    public func decode<T: PostgresDecodable>(
        _ column: String, as type: T.Type = T.self,
        file: String = #fileID, line: Int = #line
    ) throws -> T {
        guard let value = try decodeIfPresent(column, as: type, file: file, line: line) else {
            throw PostgresError(
                code: .decoding, message: "column \(column) is NULL, expected \(T.self)",
                file: file, line: line)
        }
        return value
    }

    /// The value of a column as `T`, or nil for NULL.
    public func decodeIfPresent<T: PostgresDecodable>(
        _ column: String, as type: T.Type = T.self,
        file: String = #fileID, line: Int = #line
    ) throws -> T? {
        guard let index = columns.index(of: column) else {
            throw PostgresError(
                code: .decoding, message: "no column \(column) in the result (\(columns.names.joined(separator: ", ")))",
                file: file, line: line)
        }
        guard let text = values[index] else { return nil }
        guard let value = T(postgresText: text) else {
            throw PostgresError(code: .decoding, message: "column \(column) is not a \(T.self)", file: file, line: line)
        }
        return value
    }

    /// Whether the column is NULL.
    public func isNull(_ column: String) -> Bool {
        guard let index = columns.index(of: column) else { return true }
        return values[index] == nil
    }
}

/// The names of a result's columns, shared by its rows.
final class PostgresColumns: Sendable {
    let names: [String]
    private let indexByName: [String: Int]

    init(names: [String]) {
        self.names = names
        var indexByName: [String: Int] = [:]
        for (index, name) in names.enumerated() where indexByName[name] == nil { indexByName[name] = index }
        self.indexByName = indexByName
    }

    func index(of name: String) -> Int? { indexByName[name] }
}

/// The rows a statement returned and the number of rows it affected.
public struct PostgresRows: Sendable, RandomAccessCollection {
    public let rows: [PostgresRow]
    /// For INSERT, UPDATE, DELETE: the number of rows affected (`PQcmdTuples`).
    public let affectedRows: Int

    public var startIndex: Int { rows.startIndex }
    public var endIndex: Int { rows.endIndex }
    public subscript(position: Int) -> PostgresRow { rows[position] }

    /// The single row of a statement that must return exactly one.
    public func one(file: String = #fileID, line: Int = #line) throws -> PostgresRow {
        guard rows.count == 1 else {
            throw PostgresError(code: .unexpectedResult, message: "expected one row, got \(rows.count)", file: file, line: line)
        }
        return rows[0]
    }
}
