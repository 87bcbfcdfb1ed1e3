/// A one-time signal: `wait()` returns once `signal()` has been called (before or after).
actor StubStopSignal {
    private var signalled = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Releases every waiter, now and later.
    nonisolated func signal() { Task { await release() } }

    private func release() {
        signalled = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }

    /// Returns once the signal has been given.
    func wait() async {
        if signalled { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}
