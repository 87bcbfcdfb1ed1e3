import FeedbackLoop
import Foundation
import Logging
import SecuritySupervisor
import Storage
import Synchronization
import Testing
import TestSupport
import TradingCore
import TradingEngine
@testable import Orchestrator

@Suite("System signatures kept by a process: learned into the store, anomalies raised and resolved as its own alerts, kept across a restart")
struct SystemSignatureKeeperTests {
    /// A process's counts on a clock the test moves, in 5-minute windows from 2026-01-01T03:00Z.
    final class Process: Sendable {
        let clock: FixedClock
        let observations: SystemObservations
        let keeper: SystemSignatureKeeper
        /// The fingerprints of the alerts handed to the webhook.
        final class Deliveries: Sendable {
            let fingerprints = Mutex<[String]>([])
        }
        let deliveries = Deliveries()

        init(store: SQLStore, role: String, start: Timestamp = Timestamp(iso8601: "2026-01-01T03:00:00Z")!) {
            let clock = FixedClock(start)
            self.clock = clock
            observations = SystemObservations(windowSeconds: 300, clock: { clock.now() })
            let deliveries = deliveries
            keeper = SystemSignatureKeeper(observations: observations, store: store, observer: AlertObserver(host: "test-host", role: role), halfLifeDays: 7,
                                           logger: Logger(label: "test"), deliver: { alert in deliveries.fingerprints.withLock { $0.append(alert.fingerprint) } })
        }

        /// One window of `operations` answers of `GET /api/v1/status`, `failed` of them 5xx, then the pass after it.
        @discardableResult
        func window(operations: Int = 120, failed: Int = 0) async throws -> SystemSignatureMonitor.Report {
            let start = clock.now()
            for index in 0..<operations {
                observations.record(.route, subject: "GET /api/v1/status", milliseconds: 1.5 + Double(index % 3), failed: index < failed,
                                    at: start.adding(milliseconds: Int64(index)))
            }
            clock.advance(milliseconds: 300_000)
            return try await keeper.pass(now: clock.now())
        }
    }

    static func openSignatureAlerts(_ store: SQLStore) async throws -> [StoredSecurityAlert] {
        try await store.securityAlerts(includeResolved: false, limit: 100).filter { $0.source == .signature }
    }

    @Test("a burst of 5xx on a learned route raises one ERROR alert of this process, a normal window resolves it, and a restarted process still knows the route")
    func raisedResolvedAndKept() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = SQLStore(database: try SQLiteDatabase(path: directory.file("orchestrator.sqlite")), clock: FixedClock())
        try await store.migrate()
        // Another replica's alert on the same route: this process must never resolve it.
        let replica = AlertObserver(host: "other-host", role: "api:8080")
        _ = try await store.reconcileAlerts([AlertObservation(fingerprint: "signature:route:GET /api/v1/status", level: .warning, source: .signature,
                                                              title: "other", message: "other")], sources: [.signature], observer: replica,
                                            at: Timestamp(iso8601: "2026-01-01T03:00:00Z")!)
        let process = Process(store: store, role: "api:8080")
        for _ in 0..<3 { #expect(try await process.window().opened.isEmpty) }
        // Three windows of 120, the older ones aged by minutes of a 7-day half-life.
        let learned = try await store.systemSignatureCells(kind: .route).map(\.cell.weight)
        #expect(learned.count == 1, "\(learned)")
        #expect(abs((learned.first ?? 0) - 360) < 0.2, "\(learned)")
        let report = try await process.window(failed: 30)
        #expect(report.opened.map(\.key.subject) == ["GET /api/v1/status"])
        let raised = try await Self.openSignatureAlerts(store).filter { $0.host == "test-host" }
        #expect(raised.map(\.level) == [.error])
        #expect(raised.first?.fingerprint == "signature:route:GET /api/v1/status")
        #expect(raised.first?.message.contains("30 of 120 failed") == true)
        #expect(process.deliveries.fingerprints.withLock { $0 } == ["signature:route:GET /api/v1/status"])
        // Still failing: the same alert, seen again, not delivered again.
        #expect(try await process.window(failed: 30).opened.isEmpty)
        #expect(process.deliveries.fingerprints.withLock { $0 }.count == 1)
        // Not learned: the stored signature did not take the failures in.
        #expect(try await store.systemSignatureCells(kind: .route).map(\.cell.errors) == [0])
        #expect(try await process.window().resolved.count == 1)
        #expect(try await Self.openSignatureAlerts(store).map(\.host) == ["other-host"])

        let restarted = Process(store: store, role: "api:8080", start: process.clock.now())
        #expect(try await restarted.window(failed: 30).opened.count == 1, "the restarted process judges against the stored signature")
        #expect(try await Self.openSignatureAlerts(store).count == 2)
    }

    @Test("an anomaly open when the process restarts goes on: the same alert, not resolved, not posted again, and a window judges it as before")
    func anomaliesSurviveARestart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = SQLStore(database: try SQLiteDatabase(path: directory.file("orchestrator.sqlite")), clock: FixedClock())
        try await store.migrate()
        let process = Process(store: store, role: "api:8080")
        for _ in 0..<3 { try await process.window() }
        #expect(try await process.window(failed: 30).opened.count == 1)
        let raised = try #require(try await Self.openSignatureAlerts(store).first)
        let restarted = Process(store: store, role: "api:8080", start: process.clock.now())
        // A first pass with nothing to judge: the carried-over anomaly stays open.
        restarted.clock.advance(milliseconds: 300_000)
        try await restarted.keeper.pass(now: restarted.clock.now())
        #expect(try await Self.openSignatureAlerts(store).map(\.id) == [raised.id])
        #expect(try await restarted.window(failed: 30).opened.isEmpty)
        let still = try await Self.openSignatureAlerts(store)
        #expect(still.map(\.id) == [raised.id] && still.first?.message.contains("30 of 120 failed") == true)
        #expect(restarted.deliveries.fingerprints.withLock { $0 }.isEmpty, "not posted again")
        #expect(try await restarted.window().resolved.count == 1)
        #expect(try await Self.openSignatureAlerts(store).isEmpty)
    }

    @Test("a store that fails keeps the windows for the next pass")
    func failedReadKeepsWindows() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = SQLStore(database: try SQLiteDatabase(path: directory.file("orchestrator.sqlite")), clock: FixedClock())
        // Not migrated: the first pass cannot read the signatures.
        let process = Process(store: store, role: "api:8080")
        await #expect(throws: (any Error).self) { try await process.window() }
        try await store.migrate()
        let report = try await process.keeper.pass(now: process.clock.now())
        #expect(report.windows == 1)
        #expect(try await store.systemSignatureCells(kind: nil).map(\.cell.weight) == [120])
    }
}
