import Foundation
import SecuritySupervisor
import Storage
import Testing
import TradingCore

@Suite("Security alerts: deduplicated by fingerprint, counted, acknowledged, resolved when the condition clears")
struct SecurityAlertStoreTests {
    static func observation(_ fingerprint: String, _ level: AlertLevel = .warning, source: AlertSource = .health) -> AlertObservation {
        AlertObservation(fingerprint: fingerprint, level: level, source: source, title: fingerprint, message: "seen")
    }

    @Test("the first acknowledgement stands; alerts are listed after an id in the order they were raised", arguments: Backend.available)
    func acknowledgementAndOrder(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let t0 = Timestamp(iso8601: "2026-11-26T00:00:00Z")!
            let raised = try await fixture.store.reconcileAlerts([Self.observation("check:a"), Self.observation("check:b")], sources: [.health], at: t0)
            let ids = raised.raised.map(\.id).sorted()
            let first = try await fixture.store.acknowledgeAlert(id: ids[0], by: "alice", at: t0.adding(milliseconds: 1000))
            let second = try await fixture.store.acknowledgeAlert(id: ids[0], by: "bob", at: t0.adding(milliseconds: 2000))
            #expect(first?.acknowledgedBy == "alice" && second?.acknowledgedBy == "alice" && second?.acknowledgedAt == first?.acknowledgedAt)
            #expect(try await fixture.store.acknowledgeAlert(id: 999_999, by: "x", at: t0) == nil)
            #expect(try await fixture.store.securityAlerts(afterID: ids[0], limit: 10).map(\.id) == [ids[1]])
            #expect(try await fixture.store.securityAlerts(afterID: 0, limit: 1).map(\.id) == [ids[0]])
        }
    }

    @Test("raise, count up, resolve, raise again as a new alert", arguments: Backend.available)
    func lifecycle(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let store = fixture.store
            let t0 = Timestamp(iso8601: "2026-11-26T00:00:00Z")!
            let first = try await store.reconcileAlerts([Self.observation("check:disk.space", .critical), Self.observation("check:memory")],
                                                        sources: [.health], at: t0)
            #expect(first.raised.map(\.fingerprint).sorted() == ["check:disk.space", "check:memory"] && first.resolved.isEmpty)
            let second = try await store.reconcileAlerts([Self.observation("check:disk.space", .critical)], sources: [.health], at: t0.adding(milliseconds: 60_000))
            #expect(second.raised.isEmpty)
            #expect(second.resolved.map(\.fingerprint) == ["check:memory"])
            let open = try await store.securityAlerts(includeResolved: false, limit: 10)
            #expect(open.count == 1 && open[0].count == 2 && open[0].firstSeen == t0 && open[0].lastSeen == t0.adding(milliseconds: 60_000))
            // Another source's sweep never resolves these.
            let other = try await store.reconcileAlerts([], sources: [.vulnerability], at: t0.adding(milliseconds: 90_000))
            #expect(other.resolved.isEmpty)
            let acknowledged = try await store.acknowledgeAlert(id: open[0].id, by: "ops key 3", at: t0.adding(milliseconds: 100_000))
            #expect(acknowledged?.acknowledgedBy == "ops key 3")
            #expect(try await store.acknowledgeAlert(id: 999, by: "x", at: t0) == nil)
            let again = try await store.reconcileAlerts([Self.observation("check:memory")], sources: [.health], at: t0.adding(milliseconds: 120_000))
            #expect(again.raised.map(\.fingerprint) == ["check:memory"] && again.resolved.map(\.fingerprint) == ["check:disk.space"])
            #expect(try await store.securityAlerts(includeResolved: true, limit: 10).count == 3)
        }
    }

    @Test("each observer resolves only its own alerts: two replicas seeing different things never resolve each other's; the shared scope is apart; an observer gone silent has its alerts resolved",
          arguments: Backend.available)
    func scopesByObserver(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let store = fixture.store
            let t0 = Timestamp(iso8601: "2026-11-26T00:00:00Z")!
            let first = AlertObserver(host: "host-a", role: "api:8080"), second = AlertObserver(host: "host-a", role: "api:8081")
            var ids: Set<Int64> = []
            for minute in 0..<5 {
                let time = t0.adding(milliseconds: Int64(minute) * 60_000)
                // The first sees an unreachable endpoint the second has no reason to check.
                let a = try await store.reconcileAlerts([Self.observation("check:network.x:1.tcp", .error)], sources: [.health], observer: first, at: time)
                let b = try await store.reconcileAlerts([Self.observation("check:memory")], sources: [.health], observer: second, at: time)
                #expect(a.resolved.isEmpty && b.resolved.isEmpty, "minute \(minute): a replica resolved another's alert")
                ids.formUnion((a.raised + b.raised).map(\.id))
            }
            // Raised once each, counted five times, never resolved and raised again.
            #expect(ids.count == 2)
            let open = try await store.securityAlerts(includeResolved: true, limit: 10)
            #expect(open.count == 2 && open.allSatisfy { $0.count == 5 && $0.resolvedAt == nil && $0.host == "host-a" })
            #expect(Set(open.map(\.role)) == ["api:8080", "api:8081"])
            // The same fingerprint seen by both is one alert per observer; the shared scope is a third.
            _ = try await store.reconcileAlerts([Self.observation("check:memory")], sources: [.health], observer: first, at: t0.adding(milliseconds: 300_000))
            _ = try await store.reconcileAlerts([Self.observation("scan:database_missing", source: .scan)], sources: [.scan], observer: first.asShared,
                                                at: t0.adding(milliseconds: 300_000))
            let shared = try await store.reconcileAlerts([], sources: [.scan, .health], observer: second.asShared, at: t0.adding(milliseconds: 360_000))
            #expect(shared.resolved.map(\.fingerprint) == ["scan:database_missing"], "the shared scope resolves only shared alerts")
            #expect(try await store.securityAlerts(includeResolved: false, limit: 10).filter { $0.fingerprint == "check:memory" }.count == 2)
            // The second replica stops sweeping: its alerts are resolved once it has been silent long enough, the first's are kept.
            _ = try await store.reconcileAlerts([Self.observation("check:network.x:1.tcp", .error), Self.observation("check:memory")], sources: [.health],
                                                observer: first, at: t0.adding(milliseconds: 900_000))
            let abandoned = try await store.resolveAbandonedAlerts(lastSeenBefore: t0.adding(milliseconds: 600_000), at: t0.adding(milliseconds: 900_000))
            #expect(abandoned.map(\.role) == ["api:8081"] && abandoned.map(\.fingerprint) == ["check:memory"])
            #expect(try await store.securityAlerts(includeResolved: false, limit: 10).allSatisfy { $0.role == "api:8080" })
        }
    }

    @Test("trend samples are kept per scope and check, the newest ones only, and read back oldest first", arguments: Backend.available)
    func samples(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let store = fixture.store
            for index in 0..<8 {
                try await store.recordSample(scope: "h/api:1", check: "disk.space", time: Timestamp(millisecondsSinceEpoch: Int64(index) * 60_000),
                                             value: Double(50 + index), keep: 5)
            }
            try await store.recordSample(scope: "h/api:2", check: "disk.space", time: Timestamp(millisecondsSinceEpoch: 0), value: 1, keep: 5)
            let mine = try await store.samples(scope: "h/api:1")
            #expect(mine["disk.space"]?.map(\.value) == [53, 54, 55, 56, 57])
            #expect(mine["disk.space"]?.first?.time == Timestamp(millisecondsSinceEpoch: 180_000))
            #expect(try await store.samples(scope: "h/api:2")["disk.space"]?.map(\.value) == [1])
        }
    }

    @Test("sweeps are stored and the newest is read back", arguments: Backend.available)
    func sweeps(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            #expect(try await fixture.store.latestSweep() == nil)
            try await fixture.store.recordSweep(StoredSweep(time: Timestamp(millisecondsSinceEpoch: 1), score: 90, health: "{}", security: "{}"))
            try await fixture.store.recordSweep(StoredSweep(time: Timestamp(millisecondsSinceEpoch: 2), score: 71, health: #"{"h":1}"#, security: #"{"s":2}"#))
            let latest = try #require(try await fixture.store.latestSweep())
            #expect(latest.score == 71 && latest.health == #"{"h":1}"# && latest.security == #"{"s":2}"#)
        }
    }
}
