import Foundation
import Glibc

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

extension FileHandle {
    /// `availableData` without blocking a cooperative thread.
    public func availableDataOffPool() async -> Data {
        (try? await offPool { self.availableDataRetrying() }) ?? Data()
    }

    /// What one read gives (it waits for at least one byte; empty at end of file or on an error),
    /// retrying a read a signal interrupted: Foundation's `availableData` stops the whole test
    /// process with a fatal error on EINTR, as a child process's exit can cause.
    public func availableDataRetrying() -> Data {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = Glibc.read(fileDescriptor, &buffer, buffer.count)
            if count > 0 { return Data(buffer[0..<count]) }
            if count < 0 && errno == EINTR { continue }
            return Data()
        }
    }

    /// Everything up to end of file, retrying interrupted reads (see `availableDataRetrying`).
    public func readToEndRetrying() -> Data {
        var data = Data()
        while true {
            let chunk = availableDataRetrying()
            if chunk.isEmpty { return data }
            data.append(chunk)
        }
    }
}
