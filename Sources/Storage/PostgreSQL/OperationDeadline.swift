import Synchronization

/// A time limit on one database operation that the caller gets back from even when the driver
/// never answers. A query in flight when PostgreSQL restarted was seen to wait forever (the soak
/// test's `restart-postgres` fault: the trading loop stopped with no error and no query on the
/// server). The operation runs in a task of its own, so the caller can be answered with a
/// `DatabaseTimeoutError` when the limit passes while the operation is still held by the driver;
/// it is cancelled then, and whatever it still holds is released when it ends, if ever.
struct OperationDeadline: Sendable {
    /// How long an operation may take.
    let limit: Duration

    /// The operation's result, or `DatabaseTimeoutError` naming `operation` after `limit`.
    func run<Value: Sendable>(_ operation: String, _ work: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let outcome = Outcome<Value>()
        let limit = limit
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                outcome.install(continuation)
                let task = Task {
                    do { outcome.finish(.success(try await work())) } catch { outcome.finish(.failure(error)) }
                }
                let timer = Task {
                    try await Task.sleep(for: limit)
                    if outcome.finish(.failure(DatabaseTimeoutError(operation: operation, limit: limit))) { task.cancel() }
                }
                outcome.attach(work: task, timer: timer)
            }
        } onCancel: {
            outcome.finish(.failure(CancellationError()))
        }
    }

    /// The first of the operation's answer, the time limit and a cancellation, handed over once.
    private final class Outcome<Value: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Value, any Error>?
            var result: Result<Value, any Error>?
            var work: Task<Void, Never>?
            var timer: Task<Void, any Error>?
        }
        private let state = Mutex(State())

        func install(_ continuation: CheckedContinuation<Value, any Error>) {
            let early = state.withLock { state -> Result<Value, any Error>? in
                if let result = state.result { return result }
                state.continuation = continuation
                return nil
            }
            if let early { continuation.resume(with: early) }
        }

        func attach(work: Task<Void, Never>, timer: Task<Void, any Error>) {
            let finished = state.withLock { state -> Bool in
                state.work = work
                state.timer = timer
                return state.result != nil
            }
            if finished {
                timer.cancel()
                work.cancel()
            }
        }

        /// Hands `result` over if nothing was before it; true when it was the first.
        @discardableResult
        func finish(_ result: Result<Value, any Error>) -> Bool {
            let taken = state.withLock { state -> (CheckedContinuation<Value, any Error>?, Task<Void, any Error>?, Task<Void, Never>?)? in
                guard state.result == nil else { return nil }
                state.result = result
                defer { state.continuation = nil }
                return (state.continuation, state.timer, state.work)
            }
            guard let (continuation, timer, work) = taken else { return false }
            timer?.cancel()
            if case .failure(let error) = result, error is CancellationError { work?.cancel() }
            continuation?.resume(with: result)
            return true
        }
    }
}

/// The database did not answer an operation within its time limit.
public struct DatabaseTimeoutError: Error, CustomStringConvertible, Sendable {
    /// What was asked (the statement's first words).
    public let operation: String
    /// The limit that passed.
    public let limit: Duration

    public var description: String {
        "the database did not answer \(operation) within \(limit.components.seconds) s (database.operation_timeout_seconds); the operation was abandoned"
    }
}
