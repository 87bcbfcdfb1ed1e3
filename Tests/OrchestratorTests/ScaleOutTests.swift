import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Orchestrator
import Storage
import Synchronization
import TestSupport
import Testing
import TradingCore
import TradingEngine

/// Several roles as real processes sharing one PostgreSQL: 2 API servers, 3 workers and 2
/// schedulers; a worker and the leading scheduler are killed with SIGKILL mid-run.
@Suite("Scale-out on real processes", .serialized)
struct ScaleOutTests {
    final class Child: Sendable {
        let process: ChildProcess
        let output = Pipe()
        init(_ arguments: [String], environment: [String: String], log: String) throws {
            process = ChildProcess()
            process.executableURL = CommandLineTests.executable
            process.arguments = arguments
            var base = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ORCHESTRATOR_") && $0.key != "DATABASE_URL" }
            base.merge(environment) { $1 }
            process.environment = base
            process.standardOutput = output
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: log)
            try process.run()
        }

        /// Reads standard output until a line starts with `prefix`.
        func line(startingWith prefix: String, within seconds: TimeInterval = 60) async -> String? {
            var text = ""
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) { return String(line) }
                let chunk = await output.fileHandleForReading.availableDataOffPool()
                if chunk.isEmpty { return nil }
                text += String(decoding: chunk, as: UTF8.self)
            }
            return nil
        }
    }

    /// A new, empty database on the test PostgreSQL server (named `<prefix>_<random>`); its URL.
    static func freshDatabase(prefix: String) async throws -> String {
        let base = try #require(TestEnvironment.postgresURL)
        let name = prefix + "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
        let admin = PostgresDatabase(settings: try PostgresConnectionSettings(url: base), maximumConnections: 1, logger: Logger(label: prefix))
        _ = try await admin.query(SQLStatement("CREATE DATABASE \(name)"))
        try? await admin.close()
        var components = try #require(URLComponents(string: base))
        components.path = "/\(name)"
        return try #require(components.string)
    }

    /// What the API poller saw.
    final class Probe: Sendable {
        let stop = Mutex(false)
        let failures = Mutex<[String]>([])
        let answered = Mutex(0)
    }

    @Test("3,000 jobs complete once each while a worker and the leading scheduler are killed; the other scheduler takes over; the API answers throughout",
          .enabled(if: TestEnvironment.postgresURL != nil))
    func killedRoles() async throws {
        let url = try await Self.freshDatabase(prefix: "scale")
        let logger = Logger(label: "scale-out")
        let store = SQLStore(database: PostgresDatabase(settings: try PostgresConnectionSettings(url: url), maximumConnections: 4, logger: logger), clock: SystemClock())
        try await store.migrate()
        let directory = try TemporaryDirectory()
        let schedules = directory.file("schedules.json")
        try #"{"schedules": [{"name": "heartbeat", "every_seconds": 1, "kind": "noop"}]}"#.write(toFile: schedules, atomically: true, encoding: .utf8)
        let environment = [
            "DATABASE_URL": url, "ORCHESTRATOR_SAMPLE_DATA_IMPORT": "false", "ORCHESTRATOR_SECURITY_CHECK_INTERVAL_SECONDS": "0",
            "ORCHESTRATOR_JOBS_LEASE_SECONDS": "3", "ORCHESTRATOR_SCHEDULER_LEASE_SECONDS": "3", "ORCHESTRATOR_SCHEDULER_SCHEDULES_FILE": schedules,
            "ORCHESTRATOR_AUTH_ADMIN_KEY": CrashSafetyTests.adminKey, "ORCHESTRATOR_DATABASE_POOL_SIZE": "4",
        ]
        var children: [Child] = []
        defer {
            // SIGTERM, then SIGKILL whatever has not stopped within 10 s; the database is dropped only after.
            for child in children where child.process.isRunning { child.process.terminate() }
            let deadline = Date().addingTimeInterval(10)
            while children.contains(where: { $0.process.isRunning }) && Date() < deadline { usleep(50_000) }
            for child in children where child.process.isRunning { kill(child.process.processIdentifier, SIGKILL) }
            for child in children { child.process.waitUntilExit() }
            if ProcessInfo.processInfo.environment["KEEP_SCALE_OUT_LOGS"] == nil { directory.remove() } else { print("logs in \(directory.path)") }
        }
        let apis = try (0..<2).map { try Child(["serve", "--port", "0"], environment: environment, log: directory.file("api-\($0).log")) }
        children += apis
        var ports: [String] = []
        for api in apis {
            let line = try #require(await api.line(startingWith: "API:"))
            ports.append(String(try #require(line.firstMatch(of: /127\.0\.0\.1:(\d+)/)?.output.1)))
        }
        let workers = try (0..<3).map { try Child(["worker", "--concurrency", "4"], environment: environment, log: directory.file("worker-\($0).log")) }
        let schedulers = try (0..<2).map { try Child(["scheduler"], environment: environment, log: directory.file("scheduler-\($0).log")) }
        children += workers + schedulers

        // The API is polled all along.
        let probe = Probe()
        // Stopped by a flag, never cancelled: FoundationNetworking traps when a task is cancelled mid-request.
        let poller = Task {
            while !probe.stop.withLock({ $0 }) {
                for port in ports {
                    do {
                        let (_, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health/ready")!)
                        if (response as? HTTPURLResponse)?.statusCode == 200 { probe.answered.withLock { $0 += 1 } } else { probe.failures.withLock { $0.append("\(port): not 200") } }
                    } catch {
                        probe.failures.withLock { $0.append("\(port): \(error)") }
                    }
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        defer { probe.stop.withLock { $0 = true } }

        let now = Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
        var ids: [Int64] = []
        for index in 0..<3000 { ids.append(try await store.enqueue(NewJob(kind: "noop", payload: "{\"n\":\(index)}", runAt: now), at: now).id) }
        // Kill a worker once work is under way, then whichever scheduler leads.
        while try await store.jobCounts()[.succeeded, default: 0] < 300 { try await Task.sleep(for: .milliseconds(20)) }
        kill(workers[0].process.processIdentifier, SIGKILL)
        let holderRow = try await store.database.query(SQLStatement("SELECT holder FROM leases WHERE name = 'scheduler'")).first
        let leader = try #require(try holderRow?.text(0))
        let leaderChild = try #require(schedulers.first { leader.hasSuffix("-\($0.process.processIdentifier)") })
        let killedAt = Int64(Date().timeIntervalSince1970 * 1000)
        kill(leaderChild.process.processIdentifier, SIGKILL)

        let deadline = Date().addingTimeInterval(90)
        let done = SQLStatement("SELECT COUNT(*) FROM jobs WHERE status = 'succeeded' AND kind = 'noop' AND idempotency_key IS NULL")
        while try await store.database.query(done).first?.integer(0) ?? 0 < Int64(ids.count) && Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        // Wait (up to 30 s) for the surviving scheduler to take the lease over (3 s) and fire ticks.
        let tickQuery = SQLStatement("SELECT idempotency_key FROM jobs WHERE idempotency_key LIKE 'schedule:heartbeat:%'")
        let takeOverDeadline = Date().addingTimeInterval(30)
        while Date() < takeOverDeadline {
            let latest = try await store.database.query(tickQuery).compactMap { Int64(try $0.text(0).split(separator: ":").last!) }.max() ?? 0
            if latest > killedAt + 4000 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let counts = try await store.jobCounts()
        let finished = try await store.database.query(done)
        #expect(try finished.first?.integer(0) == 3000, "\(counts)")
        #expect(counts[.dead, default: 0] == 0)
        // Every tick appears once, and ticks went on after the leader died, fired by the other scheduler.
        let ticks = try await store.database.query(tickQuery).map { Int64(try $0.text(0).split(separator: ":").last!)! }
        #expect(Set(ticks).count == ticks.count)
        #expect(ticks.contains { $0 > killedAt + 4000 }, "no tick after the leader died")
        // The advisory lock is freed when the killed leader's session ends: the other scheduler's
        // next pass (every second) leads, so no one-second tick is missed for long.
        let sorted = ticks.sorted()
        let before = sorted.last { $0 <= killedAt } ?? 0, after = sorted.first { $0 > killedAt } ?? .max
        #expect(after - before <= 2500, "ticks stopped for \(after - before) ms around the leader's death")
        let newLeader = try await store.database.query(SQLStatement("SELECT holder FROM leases WHERE name = 'scheduler'")).first.map { try $0.text(0) }
        #expect(newLeader != nil && newLeader != leader)
        probe.stop.withLock { $0 = true }
        await poller.value
        #expect(probe.failures.withLock { $0 }.isEmpty, "\(probe.failures.withLock { $0 }.prefix(3))")
        #expect(probe.answered.withLock { $0 } > 20)
        try await store.close()
        // The database is dropped by the next run's clean-up of the whole cluster (scripts/test stops it);
        // dropping it here, before the children have stopped, would leave them retrying a missing database.
    }
}
