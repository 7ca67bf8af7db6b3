import Foundation
import Logging
import PuntosPostgres
import PuntosRuntime

/// What a run did, printed as one JSON object at the end.
package struct ImportSummary: Codable, Sendable, Equatable {
    package var kind: String
    package var file: String
    package var accepted = 0
    package var skipped = 0
    package var rejected = 0
    package var rejects: String?
    package var seconds: Double = 0
    package var rate: Double = 0

    package var records: Int { accepted + skipped + rejected }
}

/// Reads records, checks each, applies them a batch at a time, writes refusals to the reject file
/// and counts. Four threads overlap: one reads and checks the file, one prepares each batch
/// (`ImportKind.prepare`, on a connection of its own) and this one writes them, in the file's order,
/// with a second writer on a third connection taking half of each batch that splits by account
/// (`ImportKind.split`): both halves are written before the next batch starts. A
/// batch the database refuses as a whole (a constraint no check foresaw) is applied again one record at
/// a time, so only the record at fault is rejected. A database that goes away stops the run (exit 75);
/// run it again: what was applied is skipped.
struct ImportRun<Kind: ImportKind> {
    let kind: Kind
    let session: ImportSession
    let source: any RecordSource
    let rejects: RejectFile
    let progress: ImportProgress
    let batchSize: Int

    /// A batch as the preparing thread hands it over.
    struct PreparedChunk {
        var chunk: RecordChunk<Kind.Record>
        var prepared: Result<Kind.Prepared, any Error>
    }

    func run() throws -> ImportSummary {
        var summary = ImportSummary(kind: session.kindName, file: session.fileName)
        let read = BoundedQueue<RecordChunk<Kind.Record>>()
        let ready = BoundedQueue<PreparedChunk>()
        let assist = BoundedQueue<Kind.Prepared>(capacity: 1)
        let assisted = BoundedQueue<Result<[Int: Outcome], any Error>>(capacity: 1)
        let preparing = Database(configuration: session.database.configuration, logger: Logger(label: "puntos.import.prepare"))
        let assisting = Database(configuration: session.database.configuration, logger: Logger(label: "puntos.import.write"))
        let stages = DispatchGroup()
        defer {
            assist.finish()
            stages.wait()
            preparing.close()
            assisting.close()
        }
        start(stages, Handover(value: (kind, session, source, batchSize, read))) { stage in
            let (kind, session, source, batchSize, read) = stage.value
            var chunk = RecordChunk<Kind.Record>()
            while let raw = source.next() {
                do throws(FunctionError) {
                    let json = try raw.json.get()
                    chunk.records.append(Numbered(line: raw.line, record: try kind.validate(json, session: session)))
                } catch {
                    chunk.refused.append((raw.line, error))
                }
                if chunk.records.count >= batchSize {
                    chunk.bytesRead = source.bytesRead
                    guard read.put(chunk) else { return }
                    chunk = RecordChunk<Kind.Record>()
                }
            }
            chunk.bytesRead = source.bytesRead
            read.put(chunk)
            read.finish()
        }
        start(stages, Handover(value: (kind, session, preparing, read, ready))) { stage in
            let (kind, session, preparing, read, ready) = stage.value
            while let chunk = read.take() {
                let prepared = Result { () throws -> Kind.Prepared in
                    try kind.prepare(chunk.records, session: session, database: preparing)
                }
                guard ready.put(PreparedChunk(chunk: chunk, prepared: prepared)) else {
                    read.cancel()
                    return
                }
            }
            ready.finish()
        }
        start(stages, Handover(value: (kind, session, assisting, assist, assisted))) { stage in
            let (kind, session, assisting, assist, assisted) = stage.value
            while let part = assist.take() {
                let outcomes = Result { () throws -> [Int: Outcome] in
                    try kind.write(part, session: session, database: assisting)
                }
                guard assisted.put(outcomes) else { return }
            }
        }
        var bytesRead: Int64 = 0
        do {
            while let item = ready.take() {
                for (line, error) in item.chunk.refused { try reject(line, error, &summary) }
                bytesRead = item.chunk.bytesRead
                guard !item.chunk.records.isEmpty else { continue }
                var deferred = try write(item.chunk.records, item.prepared, &summary, assist: (assist, assisted))
                while !deferred.isEmpty {
                    deferred = try apply(deferred, &summary)
                }
                progress.update(records: summary.records, bytesRead: bytesRead, size: source.size)
            }
        } catch {
            // The other threads stop at their next batch (the `defer` above waits for them).
            ready.cancel()
            assisted.cancel()
            throw error
        }
        progress.update(records: summary.records, bytesRead: bytesRead, size: source.size, final: true)
        rejects.close()
        summary.rejects = summary.rejected > 0 ? rejects.path : nil
        summary.seconds = (progress.elapsed * 1000).rounded() / 1000
        summary.rate = (Double(summary.records) / max(progress.elapsed, 0.001)).rounded()
        return summary
    }

    /// Runs one stage of the run on a thread of its own, in `stages` until it returns.
    private func start<Value>(
        _ stages: DispatchGroup, _ stage: Handover<Value>, _ body: @escaping @Sendable (Handover<Value>) -> Void
    ) {
        stages.enter()
        let thread = Thread {
            body(stage)
            stages.leave()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Prepares and writes a batch on this thread's connection: the records a batch deferred, and each
    /// record of a batch the database refused as a whole.
    private func apply(_ batch: [Numbered<Kind.Record>], _ summary: inout ImportSummary) throws -> [Numbered<Kind.Record>] {
        try write(batch, Result { try kind.prepare(batch, session: session, database: session.database) }, &summary)
    }

    /// Writes a prepared batch and counts what became of each record; answers the records it deferred
    /// (to be applied right after it). A batch that splits in two is written half here and half by the
    /// second writer (`assist`), at the same time.
    private func write(
        _ batch: [Numbered<Kind.Record>], _ prepared: Result<Kind.Prepared, any Error>, _ summary: inout ImportSummary,
        assist: (parts: BoundedQueue<Kind.Prepared>, outcomes: BoundedQueue<Result<[Int: Outcome], any Error>>)? = nil
    ) throws -> [Numbered<Kind.Record>] {
        var deferred: [Numbered<Kind.Record>] = []
        if let assist, case .success(let whole) = prepared, let parts = kind.split(whole, into: 2),
            parts.allSatisfy({ !$0.lines.isEmpty })
        {
            assist.parts.put(parts[1].prepared)
            let mine = Result { try kind.write(parts[0].prepared, session: session, database: session.database) }
            guard let theirs = assist.outcomes.take() else { throw FunctionError.bug("the second writer stopped") }
            for (part, outcomes) in zip(parts, [mine, theirs]) {
                deferred += try settle(batch.filter { part.lines.contains($0.line) }, outcomes, &summary)
            }
        } else {
            let outcomes = Result { try kind.write(prepared.get(), session: session, database: session.database) }
            deferred = try settle(batch, outcomes, &summary)
        }
        guard deferred.count < batch.count else {
            throw FunctionError.bug("a batch deferred every record: nothing could be applied")
        }
        return deferred
    }

    /// Counts what became of each record of a written batch (or part); answers those it deferred. A
    /// batch the database refused as a whole is applied again one record at a time.
    private func settle(
        _ batch: [Numbered<Kind.Record>], _ written: Result<[Int: Outcome], any Error>, _ summary: inout ImportSummary
    ) throws -> [Numbered<Kind.Record>] {
        let outcomes: [Int: Outcome]
        do {
            outcomes = try written.get()
        } catch let error as PostgresError where !error.isTemporary && batch.count > 1 {
            var deferred: [Numbered<Kind.Record>] = []
            for record in batch { deferred += try apply([record], &summary) }
            return deferred
        } catch let error as PostgresError where !error.isTemporary {
            try reject(batch[0].line, Self.refusal(error), &summary)
            return []
        }
        var deferred: [Numbered<Kind.Record>] = []
        for item in batch {
            switch outcomes[item.line] ?? .accepted {
            case .accepted: summary.accepted += 1
            case .skipped: summary.skipped += 1
            case .rejected(let error): try reject(item.line, error, &summary)
            case .deferred: deferred.append(item)
            }
        }
        return deferred
    }

    private func reject(_ line: Int, _ error: any Error, _ summary: inout ImportSummary) throws {
        if let error = error as? PostgresError, error.isTemporary { throw error }
        let refusal = (error as? FunctionError) ?? FunctionError(converting: error)
        try rejects.write(line: line, refusal)
        summary.rejected += 1
    }

    /// A database refusal of one record: the constraint it broke, as bad input.
    static func refusal(_ error: PostgresError) -> FunctionError {
        .badInput(
            .invalidValue, field: error.constraint,
            "the database refused the record: \(error.message)\(error.constraint.map { " (\($0))" } ?? "")")
    }
}
