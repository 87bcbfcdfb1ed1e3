import Foundation
import Logging
import Orchestrator
import Storage
import TestSupport
import Testing
import TradingCore

/// Two `serve` replicas on one PostgreSQL, each sweeping every second, that see different things.
@Suite("Security supervisor replicas agree", .serialized)
struct SupervisorReplicaTests {
    @Test("two serve processes on PostgreSQL: each keeps its own alerts, the shared ones have one owner, and no alert is raised and resolved over and over",
          .enabled(if: TestEnvironment.postgresURL != nil))
    func replicasDoNotFlap() async throws {
        let url = try await ScaleOutTests.freshDatabase(prefix: "replicas")
        let logger = Logger(label: "replicas")
        let store = SQLStore(database: PostgresDatabase(settings: try PostgresConnectionSettings(url: url), maximumConnections: 2, logger: logger), clock: SystemClock())
        try await store.migrate()
        let directory = try TemporaryDirectory()
        let environment = [
            "DATABASE_URL": url, "ORCHESTRATOR_SAMPLE_DATA_IMPORT": "false", "ORCHESTRATOR_SECURITY_CHECK_INTERVAL_SECONDS": "1",
            "ORCHESTRATOR_AUTH_ADMIN_KEY": CrashSafetyTests.adminKey, "ORCHESTRATOR_DATABASE_POOL_SIZE": "4",
            // No database: both see the same missing-database problem, which only the leader keeps.
            "ORCHESTRATOR_SECURITY_OSV_DB": directory.file("no-osv"), "ORCHESTRATOR_SECURITY_OSV_URL": "http://127.0.0.1:9",
            "ORCHESTRATOR_SECURITY_UPDATE_INTERVAL_HOURS": "0",
        ]
        // Only the first checks an endpoint, and nothing listens there: a FAILED check the second never sees.
        let first = try ScaleOutTests.Child(["serve", "--port", "0"], environment: environment.merging(["ORCHESTRATOR_SECURITY_ENDPOINTS": "127.0.0.1:1"]) { $1 },
                                            log: directory.file("api-0.log"))
        let second = try ScaleOutTests.Child(["serve", "--port", "0"], environment: environment, log: directory.file("api-1.log"))
        let children = [first, second]
        defer {
            for child in children where child.process.isRunning { child.process.terminate() }
            for child in children { child.process.waitUntilExit() }
            directory.remove()
        }
        for child in children { _ = try #require(await child.line(startingWith: "API:")) }
        // Ten sweeps of each.
        try await Task.sleep(for: .seconds(10))
        let rows = try await store.database.query(SQLStatement("""
            SELECT fingerprint, scope, role, seen_count, resolved_at FROM security_alerts
            WHERE fingerprint IN ('check:network.127.0.0.1:1.tcp', 'scan:database_missing') ORDER BY id
            """))
        let alerts = try rows.map { (fingerprint: try $0.text(0), scope: try $0.text(1), role: try $0.text(2), count: try $0.integer(3), resolved: try $0.optionalInteger(4)) }
        let network = alerts.filter { $0.fingerprint == "check:network.127.0.0.1:1.tcp" }
        let database = alerts.filter { $0.fingerprint == "scan:database_missing" }
        #expect(network.count == 1 && network.allSatisfy { $0.resolved == nil && $0.count >= 5 && $0.role.hasPrefix("api:pid") && !$0.scope.isEmpty },
                "\(network)")
        #expect(database.count == 1 && database.allSatisfy { $0.resolved == nil && $0.scope.isEmpty && $0.count >= 5 }, "\(database)")
        // One leader owns the shared alerts, and both processes swept.
        let leaders = try await store.database.query(SQLStatement("SELECT holder FROM leases WHERE name = 'security-supervisor'"))
        #expect(leaders.count == 1)
        try await store.close()
    }
}
