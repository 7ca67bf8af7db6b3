import Foundation
import PuntosRuntime

/// Hands work from one thread to the next (the reader to the preparer, the preparer to the writer): at
/// most `capacity` items wait, so memory stays a few batches whatever the file's size, and each stage's
/// cost overlaps the others'.
final class BoundedQueue<Element>: @unchecked Sendable {  // every field is guarded by `condition`
    private let condition = NSCondition()
    private var items: [Element] = []
    private var finished = false
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int = 2) { self.capacity = capacity }

    /// Hands `item` on, waiting while the queue is full; false once the consumer has cancelled (then
    /// the producer should stop).
    @discardableResult
    func put(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// No more items will come.
    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next item, or nil once the producer has finished and every item was taken.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !finished && !cancelled { condition.wait() }
        guard !items.isEmpty else { return nil }
        condition.broadcast()
        return items.removeFirst()
    }

    /// The consumer wants no more: what is waiting is dropped, and `put` answers false from now on.
    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}

/// Records read and checked, up to a batch of them, with those refused while reading or checking.
struct RecordChunk<Record> {
    var records: [Numbered<Record>] = []
    var refused: [(line: Int, error: FunctionError)] = []
    var bytesRead: Int64 = 0
}

/// Something handed to another thread that only that thread uses from then on.
struct Handover<Value>: @unchecked Sendable {
    let value: Value
}
