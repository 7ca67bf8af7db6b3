/// One versioned schema change: a file named `NNNN_description.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Parses `0001_foundation.sql` into version 1, name `foundation`; nil for other file names.
    public init?(fileName: String, sql: String) {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]), version > 0 else { return nil }
        self.init(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql)
    }

    /// A SHA-256 of the file's text, computed by PostgreSQL so both sides agree; see `Migrator`.
    var checksumSQL: SQL { "SELECT encode(sha256(convert_to(\(sql), 'UTF8')), 'hex') AS checksum" }
}
