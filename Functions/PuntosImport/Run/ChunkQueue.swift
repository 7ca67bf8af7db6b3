import Foundation
import PuntosRuntime

/// Records read and checked by one thread while another applies the batch before: what the file and
/// the checks cost overlaps with what the database costs. At most `capacity` chunks wait, so memory
/// stays a few batches whatever the file's size.
final class ChunkQueue<Record>: @unchecked Sendable {  // every field is guarded by `condition`
    struct Chunk {
        var records: [Numbered<Record>] = []
        /// Records refused while reading or checking, with their lines.
        var refused: [(line: Int, error: FunctionError)] = []
        var bytesRead: Int64 = 0
    }

    private let condition = NSCondition()
    private var chunks: [Chunk] = []
    private var finished = false
    private let capacity: Int

    init(capacity: Int = 2) { self.capacity = capacity }

    func put(_ chunk: Chunk) {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= capacity { condition.wait() }
        chunks.append(chunk)
        condition.broadcast()
    }

    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next chunk, or nil once the reader has finished and every chunk was taken.
    func take() -> Chunk? {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !finished { condition.wait() }
        guard !chunks.isEmpty else { return nil }
        condition.broadcast()
        return chunks.removeFirst()
    }
}

/// Something handed to another thread that only that thread uses from then on.
struct Handover<Value>: @unchecked Sendable {
    let value: Value
}
