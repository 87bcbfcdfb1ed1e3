import Foundation

/// Runs long blocking CPU or file work (a forecaster's fit on 10,000 bars, decoding a
/// vulnerability database, verifying an archive, a scan) on a thread of its own. Swift's
/// cooperative pool has one thread per core, and a task holds its thread until it suspends: on a
/// two-core server, two such computations made on the pool stall every request handler, the
/// venue's streams and every time-out in the process for as long as they run, and even one leaves
/// the rest of the process a single thread. On a thread of its own the work still takes its share
/// of the cores, but the operating system interleaves it with the rest instead of the rest waiting.
public enum BlockingWork {
    /// `work`'s result, or the error it threw, computed off the cooperative pool.
    public static func run<Value: Sendable, Failure: Error>(_ work: @escaping @Sendable () throws(Failure) -> Value) async throws(Failure) -> Value {
        let result: Result<Value, Failure> = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: Result { () throws(Failure) -> Value in try work() }) }.start()
        }
        return try result.get()
    }
}
