import Foundation
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
/// and counts. A batch the database refuses as a whole (a constraint no check foresaw) is applied again
/// one record at a time, so only the record at fault is rejected. A database that goes away stops the
/// run (exit 75); run it again: what was applied is skipped.
struct ImportRun<Kind: ImportKind> {
    let kind: Kind
    let session: ImportSession
    let source: any RecordSource
    let rejects: RejectFile
    let progress: ImportProgress
    let batchSize: Int

    func run() throws -> ImportSummary {
        var summary = ImportSummary(kind: session.kindName, file: session.fileName)
        let queue = ChunkQueue<Kind.Record>()
        let reader = Handover(value: (kind, session, source, batchSize))
        let thread = Thread {
            let (kind, session, source, batchSize) = reader.value
            var chunk = ChunkQueue<Kind.Record>.Chunk()
            while let raw = source.next() {
                do throws(FunctionError) {
                    let json = try raw.json.get()
                    chunk.records.append(Numbered(line: raw.line, record: try kind.validate(json, session: session)))
                } catch {
                    chunk.refused.append((raw.line, error))
                }
                if chunk.records.count >= batchSize {
                    chunk.bytesRead = source.bytesRead
                    queue.put(chunk)
                    chunk = ChunkQueue<Kind.Record>.Chunk()
                }
            }
            chunk.bytesRead = source.bytesRead
            queue.put(chunk)
            queue.finish()
        }
        thread.stackSize = 8 << 20
        thread.start()
        var batch: [Numbered<Kind.Record>] = []
        var bytesRead: Int64 = 0
        do {
            while let chunk = queue.take() {
                for (line, error) in chunk.refused { try reject(line, error, &summary) }
                batch += chunk.records
                bytesRead = chunk.bytesRead
                if batch.count >= batchSize {
                    batch = try apply(batch, &summary)
                    progress.update(records: summary.records, bytesRead: bytesRead, size: source.size)
                }
            }
        } catch {
            // Let the reader finish its file (its chunks are dropped) before the error goes up.
            while queue.take() != nil {}
            throw error
        }
        while !batch.isEmpty {
            batch = try apply(batch, &summary)
        }
        progress.update(records: summary.records, bytesRead: bytesRead, size: source.size, final: true)
        rejects.close()
        summary.rejects = summary.rejected > 0 ? rejects.path : nil
        summary.seconds = (progress.elapsed * 1000).rounded() / 1000
        summary.rate = (Double(summary.records) / max(progress.elapsed, 0.001)).rounded()
        return summary
    }

    /// Applies a batch; answers the records it deferred (to go first into the next batch).
    private func apply(_ batch: [Numbered<Kind.Record>], _ summary: inout ImportSummary) throws -> [Numbered<Kind.Record>] {
        let outcomes: [Int: Outcome]
        do {
            outcomes = try kind.apply(batch, session: session)
        } catch let error as PostgresError where !error.isTemporary && batch.count > 1 {
            return try batch.flatMap { try apply([$0], &summary) }
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
        guard deferred.count < batch.count else {
            throw FunctionError.bug("a batch deferred every record: nothing could be applied")
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
