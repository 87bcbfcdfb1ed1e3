import Synchronization

/// At most `width` blocking computations at once, each on a thread of its own (`BlockingWork`);
/// the others wait their turn, in order of arrival, without holding a thread. Fits asked for by
/// requests (a forecast at an `at` of the caller's choosing is fitted for its request) would
/// otherwise start a thread, and a fit's memory, per request at once.
public final class BlockingWorkLanes: Sendable {
    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    /// How many computations run at once at most.
    public let width: Int
    private let state = Mutex(State())

    /// Lanes for `width` computations at once (at least one).
    public init(width: Int) {
        precondition(width >= 1, "lanes need a width of at least one")
        self.width = width
    }

    /// `work`'s result, or the error it threw, computed off the cooperative pool once a lane is free.
    public func run<Value: Sendable, Failure: Error>(_ work: @escaping @Sendable () throws(Failure) -> Value) async throws(Failure) -> Value {
        await enter()
        defer { leave() }
        return try await BlockingWork.run(work)
    }

    private func enter() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = state.withLock { state -> Bool in
                guard state.running < width else {
                    state.waiting.append(continuation)
                    return false
                }
                state.running += 1
                return true
            }
            if admitted { continuation.resume() }
        }
    }

    private func leave() {
        // A waiting computation takes over the lane, so the count of running ones stays as it is.
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
