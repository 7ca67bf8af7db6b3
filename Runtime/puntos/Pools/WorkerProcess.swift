import Foundation
import Synchronization

/// One warm worker: the function's executable, started with `posix_spawn`, its standard input from
/// /dev/null and its output and errors on puntos's own.
///
/// It starts with no signal blocked and SIGTERM, SIGINT, SIGHUP and SIGQUIT at their defaults.
/// A child inherits the signal mask of the thread that spawns it, and the threads of Swift's
/// cooperative pool (libdispatch's workers) block nearly every signal; Foundation's `Process`,
/// which takes no spawn attributes, passed that mask on, so a worker never saw the SIGTERM of a
/// shutdown and was killed 2 s later by the SIGKILL that follows it.
final class WorkerProcess: Sendable {
    struct SpawnFailed: Error, CustomStringConvertible {
        let executable: String
        let code: Int32
        var description: String { "posix_spawn \(executable): \(String(cString: strerror(code)))" }
    }

    let pid: pid_t
    private let running = Mutex(true)

    /// Starts `executable`; `onExit` is called once, from a thread of its own, when the process has
    /// ended: with its exit status, or the signal that ended it and `true`.
    init(
        executable: String, environment: [String: String],
        onExit: @escaping @Sendable (_ status: Int32, _ bySignal: Bool) -> Void
    ) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        let arguments = [strdup(executable)] + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (arguments + variables).forEach { free($0) } }
        var spawned: pid_t = 0
        let code = posix_spawn(&spawned, executable, &actions, &attributes, arguments, variables)
        guard code == 0 else { throw SpawnFailed(executable: executable, code: code) }
        let pid = spawned
        self.pid = pid
        let waiter = Thread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            running.withLock { $0 = false }
            // WIFSIGNALED / WTERMSIG / WEXITSTATUS, which Swift does not import.
            let signal = status & 0x7f
            onExit(signal != 0 ? signal : (status >> 8) & 0xff, signal != 0)
        }
        waiter.name = "puntos-worker-\(pid)"
        waiter.start()
    }

    /// Whether the process has not ended yet.
    var isRunning: Bool { running.withLock { $0 } }

    /// Sends `signal` to the process while it runs.
    func send(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }
}
