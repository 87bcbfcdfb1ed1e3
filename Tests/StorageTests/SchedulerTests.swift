import Foundation
import Storage
import Testing
import TradingCore
import TradingEngine

@Suite("Scheduler: one leader by lease, every tick once, missed ticks once")
struct SchedulerTests {
    static let t0 = Timestamp(iso8601: "2026-11-26T00:00:00Z")!
    static func at(_ seconds: Int64) -> Timestamp { t0.adding(milliseconds: seconds * 1000) }

    @Test("a lease has one holder until its term ends; it is taken over only after it expires, at once after a release", arguments: Backend.available)
    func lease(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let store = fixture.store
            #expect(try await store.acquireLease(name: "scheduler", holder: "a", until: Self.at(15), at: Self.at(0)))
            #expect(try await !store.acquireLease(name: "scheduler", holder: "b", until: Self.at(20), at: Self.at(5)))
            #expect(try await store.acquireLease(name: "scheduler", holder: "a", until: Self.at(25), at: Self.at(10)))
            #expect(try await !store.acquireLease(name: "scheduler", holder: "b", until: Self.at(40), at: Self.at(24)))
            #expect(try await store.acquireLease(name: "scheduler", holder: "b", until: Self.at(41), at: Self.at(26)))
            #expect(try await !store.acquireLease(name: "scheduler", holder: "a", until: Self.at(42), at: Self.at(27)))
            #expect(try await store.leaseHolder(name: "scheduler", at: Self.at(41)) == "b")
            #expect(try await store.leaseHolder(name: "scheduler", at: Self.at(42)) == nil, "its term has ended")
            try await store.releaseLease(name: "scheduler", holder: "b")
            #expect(try await store.leaseHolder(name: "scheduler", at: Self.at(28)) == nil)
            #expect(try await store.acquireLease(name: "scheduler", holder: "a", until: Self.at(50), at: Self.at(28)))
        }
    }

    @Test("two schedulers: only the leader fires, each tick once; the other takes over when the leader stops; missed ticks fire once", arguments: Backend.available)
    func leadership(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let schedules = [Schedule(name: "minutely", timing: .every(.seconds(60)), kind: "noop"),
                             Schedule(name: "cron", timing: .cron(try CronExpression("*/5 * * * *")), kind: "noop")]
            let other = try await fixture.openAnother(), first = try await fixture.openAnother()
            let a = Scheduler(store: first, holder: "a", schedules: schedules)
            let b = Scheduler(store: other, holder: "b", schedules: schedules)
            var fired: [String] = []
            for second in stride(from: Int64(0), through: 600, by: 5) {
                // a runs until 300 s, then dies (its connections close without resigning); b ticks all along.
                if second <= 300 { fired += try await a.tick(at: Self.at(second)).fired.map { "a \($0.schedule) \($0.tick.iso8601)" } }
                if second == 300 { try await first.close() }
                fired += try await b.tick(at: Self.at(second)).fired.map { "b \($0.schedule) \($0.tick.iso8601)" }
            }
            let minutely = fired.filter { $0.contains("minutely") }
            #expect(minutely.count == 10, "\(minutely)")
            #expect(minutely.prefix(5).allSatisfy { $0.hasPrefix("a ") } && minutely.suffix(4).allSatisfy { $0.hasPrefix("b ") })
            #expect(Set(minutely.map { $0.dropFirst(2) }).count == 10)
            let jobs = try await fixture.store.jobCounts()
            #expect(jobs[.queued] == fired.count)
            // Down for ten minutes: the minutely schedule fires once on return, for the newest tick.
            let late = try await b.tick(at: Self.at(1200)).fired
            #expect(late.map(\.schedule).sorted() == ["cron", "minutely"] && late.first { $0.schedule == "minutely" }?.tick == Self.at(1200))
            try await other.close()
        }
    }

    @Test("a tick fired twice (two processes both leading for a moment) queues one job", arguments: Backend.available)
    func tickOnce(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let job = NewJob(kind: "noop", payload: "{}", idempotencyKey: "schedule:x:60000", runAt: Self.at(60))
            try await fixture.store.fireTick(schedule: "x", tick: Self.at(60), job: job, at: Self.at(61))
            try await fixture.store.fireTick(schedule: "x", tick: Self.at(60), job: job, at: Self.at(62))
            #expect(try await fixture.store.jobCounts()[.queued] == 1)
            #expect(try await fixture.store.lastTick(schedule: "x") == Self.at(60))
        }
    }

    @Test("on PostgreSQL leadership is an advisory lock: kept while the leader's session lives, taken at once when it ends",
          .enabled(if: Backend.available.contains(.postgresql), "needs the PostgreSQL server scripts/test starts"))
    func advisoryLeadership() async throws {
        try await withStore(.postgresql) { (fixture: StoreFixture) async throws in
            let leader = try await fixture.openAnother(), follower = try await fixture.openAnother()
            #expect(try await leader.acquireLeadership(name: "scheduler", holder: "a", until: Self.at(15), at: Self.at(0)))
            #expect(try await leader.acquireLeadership(name: "scheduler", holder: "a", until: Self.at(30), at: Self.at(15)))
            // Long past any lease time the lock is still held: no take-over while the leader lives.
            #expect(try await !follower.acquireLeadership(name: "scheduler", holder: "b", until: Self.at(10_000), at: Self.at(9_000)))
            // Another name is another lock.
            #expect(try await follower.acquireLeadership(name: "other", holder: "b", until: Self.at(15), at: Self.at(0)))
            // The leader's connections close (as when its process dies): the lock is free at once.
            try await leader.close()
            #expect(try await follower.acquireLeadership(name: "scheduler", holder: "b", until: Self.at(15), at: Self.at(0)))
            #expect(try await follower.leaseHolder(name: "scheduler", at: Self.at(0)) == "b")
            try await follower.releaseLeadership(name: "scheduler", holder: "b")
            #expect(try await follower.leaseHolder(name: "scheduler", at: Self.at(0)) == nil, "nobody leads once it is given up")
            try await follower.releaseLeadership(name: "other", holder: "b")
            #expect(try await fixture.store.acquireLeadership(name: "scheduler", holder: "c", until: Self.at(15), at: Self.at(0)))
            try await fixture.store.releaseLeadership(name: "scheduler", holder: "c")
            try await follower.close()
        }
    }
}
