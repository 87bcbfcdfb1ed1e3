import Foundation

/// Runs seconds of blocking CPU or file work (decoding a vulnerability database, verifying an
/// archive, a scan) on a thread of its own. Swift's cooperative pool has one thread per core: on
/// a two-core server, two such calls made on it would stall the API's handlers, the venue's
/// streams and every time-out in the process for as long as they run.
enum BlockingWork {
    /// `work`'s result, computed off the cooperative pool.
    static func run<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }
}
