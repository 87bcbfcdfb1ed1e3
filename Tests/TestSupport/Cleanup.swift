/// Runs `body`, then `cleanup`, awaited whether `body` returned or threw: the asynchronous
/// clean-up a `defer` cannot await (a `defer { Task { … } }` would leave it running after the
/// test has finished).
public func withCleanup<T>(_ body: () async throws -> T, cleanup: () async -> Void) async throws -> T {
    let result: T
    do {
        result = try await body()
    } catch {
        await cleanup()
        throw error
    }
    await cleanup()
    return result
}
