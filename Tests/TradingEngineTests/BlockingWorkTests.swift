import Foundation
import Synchronization
import Testing
import TradingEngine

/// Long computations (a forecaster's fit) run through `BlockingWork`, off Swift's cooperative pool.
@Suite("Blocking work off the cooperative pool")
struct BlockingWorkTests {
    struct Refused: Error, Equatable {}

    /// Raised once the blocked calls may return.
    final class Gate: Sendable { let open = Atomic<Bool>(false) }

    @Test("calls that block their threads, more of them than the pool has threads, leave the pool running other tasks",
          .timeLimit(.minutes(1)))
    func blockedCallsLeaveThePoolFree() async {
        let gate = Gate()
        let count = ProcessInfo.processInfo.activeProcessorCount + 1
        let blocked = (0..<count).map { index in
            Task { await BlockingWork.run { while !gate.open.load(ordering: .acquiring) { usleep(1_000) }; return index } }
        }
        // On the pool, the blocked calls would hold every thread and these tasks could not run (the time limit would fail the test).
        let answered = await withTaskGroup(of: Int.self) { group in
            for index in 0..<8 { group.addTask { index } }
            return await group.reduce(0, +)
        }
        #expect(answered == 28)
        gate.open.store(true, ordering: .releasing)
        var returned: [Int] = []
        for task in blocked { returned.append(await task.value) }
        #expect(returned == Array(0..<count))
    }

    @Test("a call's error reaches the caller as it was thrown")
    func errorsReachTheCaller() async throws {
        await #expect(throws: Refused()) { try await BlockingWork.run { () throws(Refused) -> Int in throw Refused() } }
        #expect(try await BlockingWork.run { () throws(Refused) -> Int in 7 } == 7)
    }
}
