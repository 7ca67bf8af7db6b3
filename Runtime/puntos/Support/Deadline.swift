import NIOCore
import NIOPosix

/// Work to run after a delay unless cancelled first, scheduled on NIO's event loops, where a cancelled
/// task leaves the loop's timer heap at once. A cancelled `Task.sleep` keeps its timer, and about half a
/// kilobyte, until its deadline: with a 30 s body timeout and a watchdog per request, `puntos up` held
/// well over 100 MB at 3,500 requests a second that way (heaptrack), and a steady load looked like a leak.
struct Deadline: Sendable {
    private let scheduled: Scheduled<Void>

    init(after delay: Duration, _ body: @escaping @Sendable () -> Void) {
        let (seconds, attoseconds) = delay.components
        // Clamped to a year: further is "never" for every caller, and the product stays in range.
        let nanoseconds = min(max(0, seconds), 31_536_000) * 1_000_000_000 + max(0, attoseconds / 1_000_000_000)
        scheduled = MultiThreadedEventLoopGroup.singleton.next().scheduleTask(in: .nanoseconds(nanoseconds)) { body() }
    }

    func cancel() { scheduled.cancel() }
}
