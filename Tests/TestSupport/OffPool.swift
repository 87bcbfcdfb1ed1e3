import Foundation

/// Runs blocking work (waiting for a child process, reading its pipes to the end) on a thread of
/// its own, so a test never holds one of the few cooperative threads the whole suite shares: on
/// two cores, two blocked tests would stall every other test's tasks, servers and time-outs.
public func offPool<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            do { continuation.resume(returning: try work()) } catch { continuation.resume(throwing: error) }
        }.start()
    }
}

extension Process {
    /// Waits for the process to end without blocking a cooperative thread.
    public func exited() async {
        _ = try? await offPool { self.waitUntilExit() }
    }
}

extension FileHandle {
    /// `availableData` without blocking a cooperative thread.
    public func availableDataOffPool() async -> Data {
        (try? await offPool { self.availableData }) ?? Data()
    }
}
