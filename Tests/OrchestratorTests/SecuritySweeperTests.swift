import Foundation
import HTTPServer
import Hummingbird
import Logging
import Orchestrator
import SecuritySupervisor
import Storage
import Synchronization
import TestSupport
import Testing
import TradingCore
import TradingEngine

/// A local HTTP server that fails the first `failures` webhook posts, then accepts, recording bodies.
final class WebhookStub: Sendable {
    let bodies = Mutex<[String]>([])
    let attempts = Mutex(0)
    let port = Mutex(0)

    func application(failures: Int) -> some ApplicationProtocol {
        let router = Router()
        router.post("/hook") { [self] request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let attempt = attempts.withLock { value -> Int in
                value += 1
                return value
            }
            guard attempt > failures else { return Response(status: .internalServerError) }
            bodies.withLock { $0.append(String(buffer: buffer)) }
            return Response(status: .ok)
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                           onServerRunning: { [self] channel in port.withLock { $0 = channel.localAddress?.port ?? 0 } }, logger: Logger(label: "webhook-stub"))
    }
}

@Suite("Security sweeps: checks, scan, alerts, webhook and the risk gate", .serialized)
struct SecuritySweeperTests {
    @Test("a sweep raises a SECURITY alert for a guessable admin key, posts it to the webhook (retried after a 500), asks the trading account to halt, and counts it up on the next sweep")
    func sweep() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let stub = WebhookStub()
        let server = Task(executorPreference: StubExecutor.shared) { try await stub.application(failures: 1).runService() }
        defer { server.cancel() }
        while stub.port.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(20)) }
        let listening = stub.port.withLock { $0 }
        try FileManager.default.createDirectory(atPath: directory.file("osv"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestEnvironment.repositoryRoot.appendingPathComponent("Tests/SecuritySupervisorTests/Fixtures/osv/ELA-1773-1.osv.json").path,
                                         toPath: directory.file("osv/ELA-1773-1.json"))
        let configuration = try await ConfigurationLoader.load(overrides: [
            "data.dir": directory.path,
            "auth.admin_key": String(repeating: "a", count: 40),
            "security.osv_db": directory.file("osv"),
            "security.risk_action": "halt",
            "security.webhook_url": "http://127.0.0.1:\(listening)/hook",
            "security.endpoints": "127.0.0.1:\(listening),127.0.0.1:1",
            // The whole suite runs in parallel on two cores: a check's own time limit must not be what fails here.
            "security.check_timeout_seconds": "60",
        ], environment: [:], configFile: nil)
        let store = SQLStore(database: try SQLiteDatabase(path: configuration.sqlitePath), clock: FixedClock())
        try await store.migrate()
        try await withCleanup {
            _ = try await store.openTradingAccount(name: "paper", fingerprint: "f", at: Timestamp(millisecondsSinceEpoch: 0))
            let sweeper = SecuritySweeper(configuration: configuration, store: store, logger: Logger(label: "sweep"), clock: FixedClock(), metrics: nil)
            let sweep = try await sweeper.sweep()
            #expect(sweep.score < 100)
            // The two documents GET /supervisor/health and /supervisor/security serve as stored: as the OpenAPI document says.
            let dependencies = ServerDependencies(store: store, authenticator: APIKeyAuthenticator(store: store, cacheLifetime: .seconds(1)),
                                                  metrics: HTTPMetrics(), clock: FixedClock(),
                                                  settings: ServerSettings(version: "test", maximumBodyBytes: 4096, openHealth: true, openMetrics: true,
                                                                           startedAt: Timestamp(millisecondsSinceEpoch: 0)))
            let validator = JSONSchemaValidator(document: try JSONNode.parse(Data(APIServer.openAPIDocument(dependencies).serialized())))
            for (document, schema) in [(sweep.health, "SupervisorHealth"), (sweep.security, "SecuritySweep")] {
                let problems = validator.violations(of: try JSONNode.parse(Data(document.utf8)), against: .object(["$ref": .string("#/components/schemas/\(schema)")]))
                #expect(problems.isEmpty, "\(schema): \(problems)")
            }
            let health = try #require(try JSONSerialization.jsonObject(with: Data(sweep.health.utf8)) as? [String: Any])
            let checks = health["checks"] as? [[String: Any]] ?? []
            let statuses = Dictionary(checks.compactMap { check -> (String, String)? in
                guard let name = check["name"] as? String, let status = check["status"] as? String else { return nil }
                return (name, status)
            }, uniquingKeysWith: { first, _ in first })
            let security = try #require(try JSONSerialization.jsonObject(with: Data(sweep.security.utf8)) as? [String: Any])
            #expect(security["score"] as? Int == sweep.score && !(security["deductions"] as? [Any] ?? []).isEmpty)
            #expect(statuses["network.127.0.0.1:\(listening).tcp"] == "OK")
            #expect(statuses["network.127.0.0.1:1.tcp"] == "FAILED")
            #expect(statuses["posture.api_key"] == "DEGRADED")
            #expect(statuses["database.schema"] == "OK" && statuses["memory"] != nil && statuses["disk.space"] != nil)
            let alerts = try await store.securityAlerts(includeResolved: false, limit: 100)
            let keyAlert = try #require(alerts.first { $0.fingerprint == "check:posture.api_key" })
            #expect(keyAlert.level == .security)
            #expect(alerts.contains { $0.fingerprint == "check:network.127.0.0.1:1.tcp" && $0.level == .error })
            let commands = try await store.pendingTradingCommands(account: "paper")
            #expect(commands.contains { $0.kind == .halt && $0.reason.contains("SECURITY") })
            // The webhook got every new alert, the first attempt answered 500 and was retried.
            let deadline = ContinuousClock.now + .seconds(20)
            while stub.bodies.withLock({ $0.count }) < alerts.count && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(stub.bodies.withLock { $0.count } == alerts.count)
            #expect(stub.attempts.withLock { $0 } == alerts.count + 1)
            #expect(stub.bodies.withLock { bodies in bodies.contains { $0.contains("posture.api_key") } })
            // The same conditions on the next sweep: counted, not raised again.
            try await sweeper.sweep()
            let again = try #require(try await store.securityAlerts(includeResolved: false, limit: 100).first { $0.fingerprint == "check:posture.api_key" })
            #expect(again.id == keyAlert.id && again.count == 2)
            #expect(try await store.latestSweep() != nil)
        } cleanup: {
            try? await store.close()
        }
    }

    /// Where Package.resolved files exist, which one the sweep scans.
    static let resolvedCases: [(inWorkingFolder: Bool, besideExecutable: Bool, expected: String?)] = [
        (true, true, "working"), (true, false, "working"), (false, true, "executable"), (false, false, nil),
    ]

    @Test("a sweep scans the working folder's Package.resolved, else the one shipped beside the executable (as in the container image), else none",
          arguments: resolvedCases)
    func resolvedFileChoice(inWorkingFolder: Bool, besideExecutable: Bool, expected: String?) throws {
        let working = try TemporaryDirectory()
        let installed = try TemporaryDirectory()
        if inWorkingFolder { try working.write("Package.resolved", "{}") }
        if besideExecutable { try installed.write("Package.resolved", "{}") }
        let executable = URL(fileURLWithPath: installed.file("orchestrator"))
        let chosen = SecuritySweeper.shippedResolvedFile(workingFolder: working.path, executable: executable)
        switch expected {
        case "working": #expect(chosen == working.file("Package.resolved"))
        case "executable": #expect(chosen == installed.file("Package.resolved"))
        default: #expect(chosen == nil)
        }
    }

    @Test("a first sweep without a database explains itself: the deduction says what it means and that `orchestrator scan update` removes it; the trend samples are stored and a restarted sweeper goes on from them")
    func explainsAndKeepsTrends() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = try await ConfigurationLoader.load(overrides: ["data.dir": directory.path, "security.check_timeout_seconds": "60"],
                                                               environment: [:], configFile: nil)
        #expect(configuration.osvDatabaseFolder == directory.file("osv"))
        let store = SQLStore(database: try SQLiteDatabase(path: configuration.sqlitePath), clock: FixedClock())
        try await store.migrate()
        try await withCleanup {
            let clock = FixedClock()
            let sweeper = SecuritySweeper(configuration: configuration, store: store, logger: Logger(label: "sweep"), clock: clock, metrics: nil, role: "api:8080")
            var sweep = try await sweeper.sweep()
            for _ in 0..<2 {
                clock.advance(milliseconds: 60_000)
                sweep = try await sweeper.sweep()
            }
            let security = try #require(try JSONSerialization.jsonObject(with: Data(sweep.security.utf8)) as? [String: Any])
            let deductions = security["deductions"] as? [[String: Any]] ?? []
            let missing = try #require(deductions.first { ($0["reason"] as? String)?.contains("vulnerability database is missing") == true })
            #expect((missing["remedy"] as? String)?.hasPrefix("orchestrator scan update") == true)
            #expect((missing["meaning"] as? String)?.contains("unchecked is not clean") == true)
            #expect((security["observer"] as? [String: Any])?["role"] as? String == "api:8080")
            #expect((security["observer"] as? [String: Any])?["leader"] as? Bool == true)
            let scope = "\(ProcessInfo.processInfo.hostName)/api:8080"
            #expect(try await store.samples(scope: scope)["memory"]?.count == 3)
            // The same observer after a restart: its first sweep adds to the stored trend instead of starting a new one.
            await sweeper.resign()
            let restarted = SecuritySweeper(configuration: configuration, store: store, logger: Logger(label: "sweep"), clock: clock, metrics: nil, role: "api:8080")
            clock.advance(milliseconds: 60_000)
            try await restarted.sweep()
            #expect(try await store.samples(scope: scope)["memory"]?.count == 4)
            // The shared database alert has one row, kept by the leader across the restart.
            let alerts = try await store.securityAlerts(includeResolved: true, limit: 100).filter { $0.fingerprint == "scan:database_missing" }
            #expect(alerts.count == 1 && alerts[0].resolvedAt == nil && alerts[0].count == 4)
        } cleanup: {
            try? await store.close()
        }
    }

    @Test("the disk check of a data folder that does not exist yet (a role on PostgreSQL) measures the file system it would live on instead of failing")
    func diskCheckOfAMissingDataFolder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = try await SystemProbes.Disk(path: directory.file("data/not-yet")).run()
        let existing = try await SystemProbes.Disk(path: directory.path).run()
        #expect(missing.map(\.name).contains("disk.space"), "\(missing)")
        #expect(missing.map(\.name) == existing.map(\.name))
        // Graded the same as the folder that exists on that file system (which a FAILED would only be for a full disk).
        #expect(missing.map(\.status) == existing.map(\.status))
    }
}
