import Foundation
import Storage
import Testing
import TradingCore
import TradingEngine

@Suite("Durable job queue")
struct JobQueueTests {
    static let t0 = Timestamp(iso8601: "2026-11-26T00:00:00Z")!
    static func at(_ seconds: Int64) -> Timestamp { t0.adding(milliseconds: seconds * 1000) }

    @Test("an idempotency key enqueues once; claims go by priority then due time and only when due", arguments: Backend.available)
    func enqueueAndClaim(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let store = fixture.store
            let first = try await store.enqueue(NewJob(kind: "noop", payload: "{}", idempotencyKey: "k1", runAt: Self.at(0)), at: Self.at(0))
            let again = try await store.enqueue(NewJob(kind: "noop", payload: #"{"other":1}"#, idempotencyKey: "k1", runAt: Self.at(0)), at: Self.at(1))
            #expect(again.id == first.id && again.payload == "{}")
            let urgent = try await store.enqueue(NewJob(kind: "noop", payload: "{}", priority: 5, runAt: Self.at(2)), at: Self.at(0))
            _ = try await store.enqueue(NewJob(kind: "noop", payload: "{}", runAt: Self.at(100)), at: Self.at(0))
            _ = try await store.enqueue(NewJob(kind: "other", payload: "{}", runAt: Self.at(0)), at: Self.at(0))
            let claimed = try await store.claimJobs(worker: "w1", kinds: ["noop"], limit: 10, lease: .seconds(30), at: Self.at(10))
            #expect(claimed.map(\.id) == [urgent.id, first.id])
            #expect(claimed.allSatisfy { $0.status == .running && $0.leaseOwner == "w1" && $0.attempts == 1 })
            #expect(try await store.claimJobs(worker: "w2", kinds: ["noop"], limit: 10, lease: .seconds(30), at: Self.at(11)).isEmpty)
            #expect(try await store.completeJob(jobID: first.id, worker: "w1", result: #"{"ok":true}"#, at: Self.at(12)))
            #expect(try await store.job(id: first.id)?.status == .succeeded)
            #expect(try await store.jobCounts()[.succeeded] == 1)
        }
    }

    @Test("a lease that runs out makes the job claimable by another worker; the first worker's late completion is refused", arguments: Backend.available)
    func expiredLease(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let store = fixture.store
            let job = try await store.enqueue(NewJob(kind: "noop", payload: "{}", runAt: Self.at(0)), at: Self.at(0))
            _ = try await store.claimJobs(worker: "crashed", kinds: ["noop"], limit: 1, lease: .seconds(30), at: Self.at(1))
            #expect(try await store.claimJobs(worker: "w2", kinds: ["noop"], limit: 1, lease: .seconds(30), at: Self.at(20)).isEmpty)
            #expect(try await store.renewLease(jobID: job.id, worker: "crashed", until: Self.at(40)))
            let taken = try await store.claimJobs(worker: "w2", kinds: ["noop"], limit: 1, lease: .seconds(30), at: Self.at(41))
            #expect(taken.map(\.id) == [job.id] && taken.first?.attempts == 2)
            #expect(try await !store.completeJob(jobID: job.id, worker: "crashed", result: "{}", at: Self.at(42)))
            #expect(try await store.completeJob(jobID: job.id, worker: "w2", result: "{}", at: Self.at(43)))
        }
    }

    @Test("failures retry at the given time and go dead after the last attempt with the last error; a lost worker's last attempt goes dead too", arguments: Backend.available)
    func retriesAndDeadLetter(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let store = fixture.store
            let job = try await store.enqueue(NewJob(kind: "noop", payload: "{}", runAt: Self.at(0), maximumAttempts: 2), at: Self.at(0))
            _ = try await store.claimJobs(worker: "w", kinds: ["noop"], limit: 1, lease: .seconds(30), at: Self.at(1))
            let retry = try await store.failJob(jobID: job.id, worker: "w", error: "boom 1", retryAt: Self.at(60), at: Self.at(2))
            #expect(retry?.status == .queued && retry?.runAt == Self.at(60) && retry?.lastError == "boom 1")
            #expect(try await store.claimJobs(worker: "w", kinds: ["noop"], limit: 1, lease: .seconds(30), at: Self.at(30)).isEmpty)
            _ = try await store.claimJobs(worker: "w", kinds: ["noop"], limit: 1, lease: .seconds(30), at: Self.at(61))
            let dead = try await store.failJob(jobID: job.id, worker: "w", error: "boom 2", retryAt: Self.at(200), at: Self.at(62))
            #expect(dead?.status == .dead && dead?.lastError == "boom 2" && dead?.attempts == 2)
            let lost = try await store.enqueue(NewJob(kind: "noop", payload: "{}", runAt: Self.at(0), maximumAttempts: 1), at: Self.at(0))
            _ = try await store.claimJobs(worker: "gone", kinds: ["noop"], limit: 1, lease: .seconds(10), at: Self.at(100))
            #expect(try await store.claimJobs(worker: "w", kinds: ["noop"], limit: 1, lease: .seconds(10), at: Self.at(200)).isEmpty)
            #expect(try await store.job(id: lost.id)?.status == .dead)
        }
    }

    @Test("cancelling a queued job keeps it from running; unknown ids answer nil", arguments: Backend.available)
    func cancel(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let store = fixture.store
            let job = try await store.enqueue(NewJob(kind: "noop", payload: "{}", runAt: Self.at(0)), at: Self.at(0))
            #expect(try await store.cancelJob(jobID: job.id, at: Self.at(1))?.status == .cancelled)
            #expect(try await store.claimJobs(worker: "w", kinds: ["noop"], limit: 1, lease: .seconds(10), at: Self.at(2)).isEmpty)
            #expect(try await store.cancelJob(jobID: 999_999, at: Self.at(1)) == nil)
        }
    }

    @Test("jobs of one kind are listed newest first, paged by id, without the other kinds", arguments: Backend.available)
    func listByKind(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let store = fixture.store
            var backtests: [Int64] = []
            for index in 0..<5 {
                backtests.append(try await store.enqueue(NewJob(kind: "backtest", payload: "{\"n\":\(index)}", runAt: Self.at(0)), at: Self.at(0)).id)
                _ = try await store.enqueue(NewJob(kind: "noop", payload: "{}", runAt: Self.at(0)), at: Self.at(0))
            }
            let newest = try await store.jobs(kind: "backtest", beforeID: nil, limit: 3)
            #expect(newest.map(\.id) == Array(backtests.reversed().prefix(3)))
            #expect(try await store.jobs(kind: "backtest", beforeID: newest.last!.id, limit: 10).map(\.id) == [backtests[1], backtests[0]])
            #expect(try await store.jobs(kind: "nothing", beforeID: nil, limit: 10).isEmpty)
        }
    }

    @Test("four workers claiming at once take every job exactly once", arguments: Backend.available)
    func concurrentClaims(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            for index in 0..<200 { _ = try await fixture.store.enqueue(NewJob(kind: "noop", payload: "{\"n\":\(index)}", runAt: Self.at(0)), at: Self.at(0)) }
            let stores = [fixture.store] + (try await [fixture.openAnother(), fixture.openAnother(), fixture.openAnother()])
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for (number, store) in stores.enumerated() {
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let batch = try await store.claimJobs(worker: "w\(number)", kinds: ["noop"], limit: 7, lease: .seconds(60), at: Self.at(1))
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0 += $1 }
            }
            #expect(claimed.count == 200 && Set(claimed).count == 200)
            for store in stores.dropFirst() { try await store.close() }
        }
    }
}
