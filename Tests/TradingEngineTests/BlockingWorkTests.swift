import Foundation
import Synchronization
import Testing
import TradingEngine

/// Long computations (a forecaster's fit) run through `BlockingWork`, off Swift's cooperative pool.
@Suite("Blocking work off the cooperative pool")
struct BlockingWorkTests {
    struct Refused: Error, Equatable {}

    /// Raised once the blocked calls may return; counts those that have.
    final class Gate: Sendable {
        let open = Atomic<Bool>(false)
        let returned = Atomic<Int>(0)
    }

    @Test("calls that block their threads, more of them than the pool has threads, leave the pool running other tasks meanwhile")
    func blockedCallsLeaveThePoolFree() async {
        let gate = Gate()
        let count = ProcessInfo.processInfo.activeProcessorCount + 1
        let blocked = (0..<count).map { index in
            Task {
                await BlockingWork.run {
                    // Blocked until the gate opens, or 300 s: on the pool, these would hold every thread and the
                    // tasks below would run only once they gave up, which the count of returned calls shows.
                    // (Long: the whole suite's tests in parallel kept the pool busy for 35 s here.)
                    let deadline = ContinuousClock.now + .seconds(300)
                    while !gate.open.load(ordering: .acquiring) && ContinuousClock.now < deadline { usleep(1_000) }
                    gate.returned.add(1, ordering: .releasing)
                    return index
                }
            }
        }
        let answered = await withTaskGroup(of: Int.self) { group in
            for index in 0..<8 { group.addTask { index } }
            return await group.reduce(0, +)
        }
        #expect(answered == 28)
        #expect(gate.returned.load(ordering: .acquiring) == 0, "the other tasks ran while every call was still blocked")
        gate.open.store(true, ordering: .releasing)
        var returned: [Int] = []
        for task in blocked { returned.append(await task.value) }
        #expect(returned == Array(0..<count))
    }

    @Test("lanes run at most their width of calls at once; the others wait their turn and every call returns its own value",
          arguments: [1, 2, 3])
    func lanesBoundTheCallsAtOnce(width: Int) async {
        let lanes = BlockingWorkLanes(width: width)
        final class Counts: Sendable {
            let running = Atomic<Int>(0)
            let most = Atomic<Int>(0)
        }
        let counts = Counts()
        let values = await withTaskGroup(of: Int.self) { group in
            for index in 0..<8 {
                group.addTask {
                    await lanes.run {
                        let now = counts.running.add(1, ordering: .acquiringAndReleasing).newValue
                        _ = counts.most.max(now, ordering: .acquiringAndReleasing)
                        usleep(100_000)
                        counts.running.subtract(1, ordering: .acquiringAndReleasing)
                        return index
                    }
                }
            }
            var values: [Int] = []
            for await value in group { values.append(value) }
            return values.sorted()
        }
        #expect(values == Array(0..<8))
        #expect(counts.most.load(ordering: .acquiring) == width)
    }

    @Test("a call's error reaches the caller as it was thrown")
    func errorsReachTheCaller() async throws {
        await #expect(throws: Refused()) { try await BlockingWork.run { () throws(Refused) -> Int in throw Refused() } }
        #expect(try await BlockingWork.run { () throws(Refused) -> Int in 7 } == 7)
    }
}
