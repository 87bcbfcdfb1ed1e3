import Synchronization

/// Hands every execution report a venue publishes to each of its subscribers' streams; a stream
/// that ends is forgotten. Shared by the venues, so each subscriber sees the same sequence.
public final class ExecutionReportBroadcast: Sendable {
    private let subscribers = Mutex<(next: Int, streams: [Int: AsyncStream<ExecutionReport>.Continuation])>((0, [:]))

    /// Creates a broadcast without subscribers.
    public init() {}

    /// A new stream of the reports published from now on.
    public func subscribe() -> AsyncStream<ExecutionReport> {
        let (stream, continuation) = AsyncStream<ExecutionReport>.makeStream()
        let id = subscribers.withLock { state -> Int in
            state.next += 1
            state.streams[state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.streams.removeValue(forKey: id) }
        }
        return stream
    }

    /// Sends a report to every subscriber.
    public func publish(_ report: ExecutionReport) {
        for continuation in subscribers.withLock({ Array($0.streams.values) }) { continuation.yield(report) }
    }
}
