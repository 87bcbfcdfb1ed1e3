@testable import Storage
import Testing

@Suite("A database operation's time limit")
struct OperationDeadlineTests {
    /// An operation that never answers and ignores cancellation, as a driver left waiting on a lost connection.
    static func neverAnswers() async -> Int {
        await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
        return 0
    }

    @Test("an operation that never answers fails with DatabaseTimeoutError naming it once the limit passes")
    func unansweredOperationTimesOut() async {
        let deadline = OperationDeadline(limit: .milliseconds(200))
        let started = ContinuousClock.now
        await #expect(throws: DatabaseTimeoutError.self) {
            _ = try await deadline.run("`SELECT 1`") { await Self.neverAnswers() }
        }
        let waited = ContinuousClock.now - started
        // The upper bound only says it did not wait on forever: the timer needs a thread of the pool, which a loaded test run keeps busy.
        #expect(waited >= .milliseconds(200) && waited < .seconds(120))
        do {
            _ = try await deadline.run("`INSERT INTO bars`") { await Self.neverAnswers() }
        } catch let error as DatabaseTimeoutError {
            #expect(error.description.contains("`INSERT INTO bars`") && error.description.contains("database.operation_timeout_seconds"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("an answer within the limit is handed back, and so is an error")
    func answersAndErrorsPassThrough() async throws {
        let deadline = OperationDeadline(limit: .seconds(30))
        #expect(try await deadline.run("q") { 42 } == 42)
        struct Refused: Error {}
        await #expect(throws: Refused.self) { _ = try await deadline.run("q") { throw Refused() } }
    }

    @Test("a cancelled caller gets CancellationError at once, even while the operation never answers")
    func cancelledCallerIsReleased() async {
        let deadline = OperationDeadline(limit: .seconds(3600))
        let caller = Task { try await deadline.run("q") { await Self.neverAnswers() } }
        try? await Task.sleep(for: .milliseconds(50))
        caller.cancel()
        let result = await caller.result
        #expect(throws: CancellationError.self) { _ = try result.get() }
    }
}
