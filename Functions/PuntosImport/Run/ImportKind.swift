import Foundation
import PuntosPostgres
import PuntosRuntime

/// A record with the line of the file it starts on.
struct Numbered<Record> {
    var line: Int
    var record: Record
}

/// What became of one record.
enum Outcome {
    /// Applied now.
    case accepted
    /// Applied before (by an earlier run or by the functions): nothing changed.
    case skipped
    /// Refused, with the field and the reason; nothing of it was applied.
    case rejected(FunctionError)
    /// Shares a natural key with an earlier record of the same batch: applied in the next batch, after it.
    case deferred
}

/// One kind of import: how a record is read and checked (by the functions' own rules), and how a batch
/// of checked records is applied with set-based statements, in two steps. `prepare` reads what the
/// records name and does what needs no lock (an invoice's card and pricing); it runs on its own
/// connection (`database`) while the batch before is still being written, so what it reads may change
/// before `write` runs, and `write` decides again under its locks whatever those batches can change.
/// `write` answers an outcome for every line it was given; a record it rejects changes nothing.
protocol ImportKind {
    associatedtype Record
    /// A batch as `prepare` leaves it for `write`.
    associatedtype Prepared = [Numbered<Record>]
    /// The `kind` a record's JSON is decoded as when it names none.
    var eventKind: String { get }
    func validate(_ json: Data, session: ImportSession) throws(FunctionError) -> Record
    func prepare(_ batch: [Numbered<Record>], session: ImportSession, database: Database) throws -> Prepared
    /// Writes a prepared batch (or part of one) in one transaction on `database`.
    func write(_ prepared: Prepared, session: ImportSession, database: Database) throws -> [Int: Outcome]
    /// Splits a prepared batch into `count` parts whose records touch disjoint accounts, to be written at
    /// the same time on connections of their own, each part with the lines it holds; nil when the kind's
    /// batches are written whole.
    func split(_ prepared: Prepared, into count: Int) -> [ImportPart<Prepared>]?
}

/// A part of a prepared batch, with the lines of the records it holds.
struct ImportPart<Prepared> {
    var prepared: Prepared
    var lines: Set<Int>
}

extension ImportKind {
    func split(_ prepared: Prepared, into count: Int) -> [ImportPart<Prepared>]? { nil }
}

extension ImportKind where Prepared == [Numbered<Record>] {
    /// A kind with nothing to do ahead writes its batch as it was read.
    func prepare(_ batch: [Numbered<Record>], session: ImportSession, database: Database) throws -> Prepared { batch }
}

/// What a record may say besides its fields: its kind (the event's) and programme (the run's).
struct RecordEnvelope: Decodable {
    var kind: String?
    var programme: String?

    /// Refuses a record whose `programme` is not the run's: one run imports into one programme.
    static func check(_ json: Data, kind: String, session: ImportSession) throws(FunctionError) {
        let envelope = try EventDecoding.decode(RecordEnvelope.self, from: json)
        if let given = envelope.kind, given != kind {
            throw .badInput(.unknownKind, field: "kind", "a \(session.kindName) record is kind \(kind), not \(given)")
        }
        if let programme = envelope.programme, programme != session.programme {
            throw .badInput(
                .invalidValue, field: "programme", "this run imports into programme \(session.programme), not \(programme)")
        }
    }
}
