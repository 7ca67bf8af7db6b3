package import PuntosPostgres

/// A word the database stores in a text column (a status, a kind) as a Swift enum: bound to a
/// statement and read from a row through its raw value, so a misspelt status does not compile and
/// an unknown one read back is a decoding error instead of a silent mismatch.
///
///     package enum HoldStatus: String, StoredVocabulary { case open, committed }
///     try connection.query("UPDATE holds SET status = \(HoldStatus.committed) WHERE id = \(id)")
package protocol StoredVocabulary: RawRepresentable, PostgresEncodable, PostgresDecodable, Codable, Sendable, Equatable
where RawValue == String {}

extension StoredVocabulary {
    package var postgresBind: PostgresBind { .text(rawValue) }
    package init?(postgresText text: String) { self.init(rawValue: text) }
}
