import Foundation
import Storage
import Testing
import TradingCore
import TradingEngine

@Suite("Scheduler: one leader by lease, every tick once, missed ticks once")
struct SchedulerTests {
    static let t0 = Timestamp(iso8601: "2026-11-26T00:00:00Z")!
    static func at(_ seconds: Int64) -> Timestamp { t0.adding(milliseconds: seconds * 1000) }

    @Test("a lease has one holder; it is taken over only after it expires, at once after a release", arguments: Backend.available)
    func lease(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let store = fixture.store
            #expect(try await store.acquireLease(name: "scheduler", holder: "a", until: Self.at(15), at: Self.at(0)))
            #expect(try await !store.acquireLease(name: "scheduler", holder: "b", until: Self.at(20), at: Self.at(5)))
            #expect(try await store.acquireLease(name: "scheduler", holder: "a", until: Self.at(25), at: Self.at(10)))
            #expect(try await !store.acquireLease(name: "scheduler", holder: "b", until: Self.at(40), at: Self.at(24)))
            #expect(try await store.acquireLease(name: "scheduler", holder: "b", until: Self.at(41), at: Self.at(26)))
            #expect(try await !store.acquireLease(name: "scheduler", holder: "a", until: Self.at(42), at: Self.at(27)))
            try await store.releaseLease(name: "scheduler", holder: "b")
            #expect(try await store.acquireLease(name: "scheduler", holder: "a", until: Self.at(50), at: Self.at(28)))
        }
    }

    @Test("two schedulers: only the leader fires, each tick once; the other takes over when the leader stops; missed ticks fire once", arguments: Backend.available)
    func leadership(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let schedules = [Schedule(name: "minutely", timing: .every(.seconds(60)), kind: "noop"),
                             Schedule(name: "cron", timing: .cron(try CronExpression("*/5 * * * *")), kind: "noop")]
            let other = try await fixture.openAnother()
            let a = Scheduler(store: fixture.store, holder: "a", schedules: schedules)
            let b = Scheduler(store: other, holder: "b", schedules: schedules)
            var fired: [String] = []
            for second in stride(from: Int64(0), through: 600, by: 5) {
                // a runs until 300 s, then dies; b ticks all along.
                if second <= 300 { fired += try await a.tick(at: Self.at(second)).fired.map { "a \($0.schedule) \($0.tick.iso8601)" } }
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
}
