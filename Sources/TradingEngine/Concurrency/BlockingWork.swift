import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs seconds of blocking CPU or file work (model fits, decoding a vulnerability database,
/// verifying an archive, a scan) on a thread of its own. Swift's cooperative pool has one thread
/// per core: on a two-core server, two such calls made on it would stall the API's handlers, the
/// venue's streams, the live decision path and every time-out in the process for as long as they
/// run; even one leaves the rest of the process a single thread.
public enum BlockingWork {
    /// How the operating system should weigh the work's thread against the rest of the process.
    public enum Priority: Sendable {
        /// Like the process's other threads.
        case normal
        /// Behind them (a nice value 10 higher on Linux): work nobody waits for, such as a refit in
        /// the background, takes the cores only when the decision path and the servers leave them.
        case background
    }

    /// `work`'s result, computed off the cooperative pool.
    public static func run<Value: Sendable>(priority: Priority = .normal, _ work: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            start(priority: priority) { continuation.resume(returning: work()) }
        }
    }

    /// Starts `work` on a thread of its own and returns at once.
    public static func start(priority: Priority = .normal, _ work: @escaping @Sendable () -> Void) {
        Thread {
            apply(priority)
            work()
        }.start()
    }

    /// Gives the calling thread `priority`.
    static func apply(_ priority: Priority) {
        guard priority == .background else { return }
        #if os(Linux)
        // On Linux a nice value is per thread, and PRIO_PROCESS with 0 names the calling thread
        // only. Ten more than the thread it started from (at most 19, the lowest priority).
        let thread = id_t(0)
        errno = 0
        let current = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), thread)
        guard errno == 0 else { return }
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), thread, min(current + 10, 19))
        #endif
    }
}
