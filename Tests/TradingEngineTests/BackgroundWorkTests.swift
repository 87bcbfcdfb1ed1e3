import Foundation
import Synchronization
import Testing
import TradingEngine
#if canImport(Glibc)
import Glibc
#endif

/// Work that computes for long stretches runs off Swift's cooperative pool: on a thread pool of
/// its own, or a thread of its own, behind the rest of the process when it is background work.
@Suite("Background work off the cooperative pool")
struct BackgroundWorkTests {
    /// The calling thread's nice value (on Linux, PRIO_PROCESS with 0 names the calling thread).
    static func niceValue() -> Int32 {
        getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }

    @Test("a task preferring the executor runs on its threads, its child tasks too, at the executor's priority")
    func tasksRunOnTheExecutorsThreads() async {
        let base = await BlockingWork.run { Self.niceValue() }
        let executor = ThreadPoolExecutor(threads: 2, name: "tests-background", priority: .background)
        let seen = await withTaskExecutorPreference(executor) {
            await withTaskGroup(of: (Bool, Int32).self) { group in
                for _ in 0..<4 { group.addTask { (executor.runsCallingThread, Self.niceValue()) } }
                var seen: [(Bool, Int32)] = [(executor.runsCallingThread, Self.niceValue())]
                for await pair in group { seen.append(pair) }
                return seen
            }
        }
        #expect(seen.count == 5)
        for (onExecutor, nice) in seen {
            #expect(onExecutor)
            #expect(nice == min(base + 10, 19))
        }
        #expect(!executor.runsCallingThread, "the test's own code is back on the pool")
    }

    @Test("work that blocks its thread on the executor leaves the cooperative pool free")
    func blockingWorkLeavesThePoolFree() async throws {
        let executor = ThreadPoolExecutor(threads: 2, name: "tests-blocking", priority: .normal)
        final class Flag: Sendable { let raised = Atomic<Bool>(false) }
        let released = Flag()
        // Both of the executor's threads blocked until released; the pool must still run tasks meanwhile.
        let blockers = (0..<2).map { _ in
            Task(executorPreference: executor) {
                while !released.raised.load(ordering: .acquiring) { usleep(1_000) }
            }
        }
        let answered = await withTaskGroup(of: Int.self) { group in
            for index in 0..<8 { group.addTask { index } }
            return await group.reduce(0, +)
        }
        #expect(answered == 28)
        released.raised.store(true, ordering: .releasing)
        for blocker in blockers { await blocker.value }
    }

    @Test("blocking work returns its value; in the background its thread runs behind the process's others", arguments: [
        (BlockingWork.Priority.normal, Int32(0)), (.background, 10),
    ])
    func blockingWorkRunsAtItsPriority(priority: BlockingWork.Priority, nice: Int32) async {
        let base = Self.niceValue()
        let seen = await BlockingWork.run(priority: priority) { Self.niceValue() }
        #expect(seen == min(base + nice, 19))
    }
}
