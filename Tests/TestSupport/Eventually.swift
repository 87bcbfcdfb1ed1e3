/// Whether `condition` holds within `limit` (checked every 10 ms): for work a test started in the
/// background. The default is long because a test run on a loaded two-core machine can keep a new
/// task waiting for a thread for tens of seconds; a condition that holds ends the wait at once.
public func eventually(within limit: Duration = .seconds(60), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return false
}
