import Foundation
import SecuritySupervisor
import Testing
import TradingCore

@Suite("Security score and database problems")
struct SecurityScoreTests {
    static func record(_ id: String, package: String, vector: String?) throws -> OSVRecord {
        let severity = vector.map { #", "severity": [{"type": "CVSS_V3", "score": "\#($0)"}]"# } ?? ""
        return try OSVFixtures.synthetic(#"""
            {"id": "\#(id)", "modified": "2026-11-20T00:00:00Z"\#(severity), "affected": [{"package": {"ecosystem": "Debian:12", "name": "\#(package)"},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0-1"}]}]}]}
            """#)
    }

    static let critical = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"   // 9.8

    @Test("findings cost points by severity, at most 25 per package; the breakdown says why")
    func breakdown() throws {
        let records = try (1...3).map { try Self.record("C-\($0)", package: "openssl", vector: Self.critical) } + [try Self.record("U-1", package: "zlib", vector: nil)]
        let packages = ["openssl", "zlib"].map { InstalledPackage(ecosystem: "Debian:12", name: $0, version: "1.0-1", origin: "status") }
        let report = VulnerabilityScanner().scan(packages, database: .init(records: records, unreadable: [], missing: false), now: Timestamp(iso8601: "2026-11-26")!)
        #expect(report.findings.map(\.severity) == [.critical, .critical, .critical, .unknown])
        let score = SecurityScore(report: report, checks: [("disk", .degraded)], postureProblems: ["running as root"])
        #expect(score.deductions.map(\.points) == [25, 6, 3, 8])
        #expect(score.deductions[0].reason.contains("3 CRITICAL") && score.deductions[0].reason.contains("capped at 25"))
        #expect(score.score == 100 - 25 - 6 - 3 - 8)
    }

    @Test("scan findings become alerts by severity: critical, high and unscored SECURITY, medium WARNING, low INFO", arguments: [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", AlertLevel.security),   // 9.8 CRITICAL
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", AlertLevel.security),   // 7.5 HIGH
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N", AlertLevel.warning),    // 4.2 MEDIUM
        ("CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", AlertLevel.info),       // 1.8 LOW
        (nil, AlertLevel.security),                                             // unscored
    ] as [(String?, AlertLevel)])
    func findingLevels(vector: String?, level: AlertLevel) throws {
        let package = InstalledPackage(ecosystem: "Debian:12", name: "zlib", version: "1.0-1", origin: "status")
        let report = VulnerabilityScanner().scan([package], database: .init(records: [try Self.record("A-1", package: "zlib", vector: vector)], unreadable: [], missing: false),
                                                 now: Timestamp(iso8601: "2026-11-26")!)
        let observations = AlertRules.observations(scan: report)
        #expect(observations.map(\.level) == [level])
        #expect(observations.first?.fingerprint == "vulnerability:Debian:12:zlib:A-1")
    }

    @Test("a part of the inventory that could not be read is an INFO alert naming it; a database problem is a WARNING")
    func unscannedPartsAreInfo() {
        let report = VulnerabilityScanner().scan([], database: .init(records: [], unreadable: [], missing: true), now: Timestamp(iso8601: "2026-11-26")!)
        let observations = AlertRules.observations(scan: report, notScanned: ["Swift pins: no Package.resolved in the working folder or beside the executable"])
        #expect(observations.map(\.fingerprint) == ["scan:database_missing", "scan:not_scanned:Swift pins"])
        #expect(observations.map(\.level) == [.warning, .info])
        #expect(observations.last?.message.contains("no Package.resolved") == true)
    }

    @Test("a missing, stale or partly unreadable database is a problem with a penalty, never a clean result", arguments: [
        (0, true, "2026-11-20T00:00:00Z", ["database_missing"], 60),
        (1, false, "2026-10-01T00:00:00Z", ["database_stale"], 85),
        (1, false, "2026-11-20T00:00:00Z", [], 100),
    ])
    func databaseProblems(recordCount: Int, missing: Bool, modified: String, codes: [String], score: Int) throws {
        let records = try (0..<recordCount).map { _ in
            try OSVFixtures.synthetic(#"{"id": "R", "modified": "\#(modified)", "affected": []}"#)
        }
        let report = VulnerabilityScanner(maximumDatabaseAge: .seconds(7 * 86_400))
            .scan([], database: .init(records: records, unreadable: [], missing: missing), now: Timestamp(iso8601: "2026-11-26")!)
        #expect(report.databaseProblems.map(\.code) == codes)
        #expect(SecurityScore(report: report).score == score)
        let unreadable = VulnerabilityScanner().scan([], database: .init(records: records, unreadable: ["db/x.json: bad"], missing: false),
                                                     now: Timestamp(iso8601: "2026-11-21")!)
        #expect(unreadable.databaseProblems.map(\.code).contains("database_unreadable"))
    }
}

@Suite("Health grading, posture and degradation forecasts")
struct HealthRulesTests {
    static let meminfo = "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    2000000 kB\n"
    static let stat1 = "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 50 0 50 400 0 0 0 0 0 0\n"
    static let stat2 = "cpu  190 0 110 900 0 0 0 0 0 0\ncpu0 95 0 55 450 0 0 0 0 0 0\n"

    @Test("/proc samples are read and graded against their thresholds")
    func procReadings() throws {
        let memory = SystemReadings.memoryCheck(meminfo: Self.meminfo)
        #expect(memory.status == .degraded && memory.value == 87.5 && memory.threshold == "warn ≥ 85 %, fail ≥ 95 %")
        let first = try #require(SystemReadings.cpuTimes(procStat: Self.stat1)), second = try #require(SystemReadings.cpuTimes(procStat: Self.stat2))
        #expect(SystemReadings.cpuUsage(from: first, to: second) == 50)
        #expect(SystemReadings.loadCheck(loadavg: "6.20 3.00 1.00 2/300 4000\n", processors: 2).status == .failed)
        let disk = SystemReadings.diskChecks(path: "/data", blocks: 1000, blocksAvailable: 40, inodes: 100, inodesFree: 90, blockSize: 4096)
        #expect(disk.map(\.status) == [.failed, .ok])
        let process = SystemReadings.processChecks(status: "VmRSS:\t  204800 kB\nThreads:\t12\n", openFiles: 900, openFileLimit: 1024)
        #expect(process.map(\.name) == ["process.memory", "process.threads", "process.open_files"])
        #expect(process.map(\.status) == [.ok, .ok, .degraded])
        #expect(SystemReadings.memoryCheck(meminfo: "garbage").status == .failed)
    }

    @Test("posture: root, a public binding without TLS, world-readable secrets, a short key, debug logs and a Docker socket are problems")
    func posture() {
        let weak = SecurityPosture(userID: 0, bindHost: "0.0.0.0", servesTLS: false,
                                   files: [.init(path: "orchestrator.json", mode: 0o644, holdsSecrets: true)], configuredAdminKey: "changeme",
                                   logLevel: "debug", openMetrics: true, dockerSocketReachable: true).evaluate()
        #expect(weak.allSatisfy { $0.status == .degraded }, "\(weak.filter { $0.status == .ok }.map(\.name))")
        let sound = SecurityPosture(userID: 1000, bindHost: "127.0.0.1", servesTLS: false,
                                    files: [.init(path: "orchestrator.json", mode: 0o600, holdsSecrets: true)],
                                    configuredAdminKey: "tok_" + "Zq8v3LmN0pRs5TuWxYa1Bc2De4Fg6Hi7Jk9",
                                    logLevel: "info", openMetrics: true, dockerSocketReachable: false).evaluate()
        #expect(sound.allSatisfy { $0.status == .ok }, "\(sound.filter { $0.status != .ok }.map(\.message))")
        let observations = AlertRules.observations(checks: weak)
        #expect(observations.count == weak.count && observations.allSatisfy { $0.level == .security && $0.source == .posture })
    }

    @Test("a disk filling at a steady rate is forecast to cross 95 % at the right time; a flat or falling one is not")
    func forecasts() {
        // 80 % rising 1 point per hour, sampled every 10 minutes: 95 % in 15 h from the last sample.
        let rising = (0..<12).map { DegradationForecast.Sample(seconds: Double($0) * 600, value: 80 + Double($0) / 6) }
        let seconds = DegradationForecast.secondsUntil(95, samples: rising)
        #expect(seconds.map { abs($0 - (95 - (80 + 11.0 / 6)) * 3600) < 1e-6 } == true)
        #expect(DegradationForecast.observation(check: "disk.space", threshold: 95, unit: " %", samples: rising)?.fingerprint == "forecast:disk.space")
        #expect(DegradationForecast.observation(check: "disk.space", threshold: 95, unit: " %", samples: rising, horizonSeconds: 3600) == nil)
        // Six files more over nine one-minute sweeps reach 900 in about 22 h: 150 times the span seen, not forecast;
        // the same rise kept up for a day is.
        let step = (0..<9).map { DegradationForecast.Sample(seconds: Double($0) * 60, value: $0 < 4 ? 17 : 23) }
        #expect(DegradationForecast.secondsUntil(900, samples: step) == nil)
        let sustained = (0..<25).map { DegradationForecast.Sample(seconds: Double($0) * 3600, value: 17 + Double($0) * 20) }
        #expect(DegradationForecast.secondsUntil(900, samples: sustained).map { abs($0 - (900 - 497) / 20 * 3600) < 1e-6 } == true)
        let flat = (0..<12).map { DegradationForecast.Sample(seconds: Double($0) * 600, value: 80) }
        #expect(DegradationForecast.secondsUntil(95, samples: flat) == nil)
        #expect(DegradationForecast.secondsUntil(95, samples: Array(rising.prefix(3))) == nil)
    }

    @Test("health results become alerts: degraded WARNING, failed ERROR, a failed database or full disk CRITICAL")
    func checkAlerts() {
        let results = [
            HealthCheckResult(name: "memory", status: .degraded, value: 90, threshold: "", message: "m"),
            HealthCheckResult(name: "cpu.usage", status: .failed, value: 99, threshold: "", message: "c"),
            HealthCheckResult(name: "disk.space", status: .failed, value: 99, threshold: "", message: "d"),
            HealthCheckResult(name: "database.latency", status: .failed, value: 900, threshold: "", message: "l"),
            HealthCheckResult(name: "process.threads", status: .ok, value: 9, threshold: "", message: "t"),
        ]
        #expect(AlertRules.observations(checks: results).map(\.level) == [.warning, .error, .critical, .critical])
    }
}

/// A check that never finishes (for the runner's time limit).
struct HangingCheck: HealthCheck {
    let name = "hangs"
    func run() async throws -> [HealthCheckResult] {
        try await Task.sleep(for: .seconds(3600))
        return []
    }
}

/// A check that answers at once.
struct QuickCheck: HealthCheck {
    let name = "quick"
    func run() async throws -> [HealthCheckResult] { [HealthCheckResult(name: "quick", status: .ok, value: 1, threshold: "-", message: "fine")] }
}

/// A check that fails.
struct BrokenCheck: HealthCheck {
    struct Failure: Error {}
    let name = "broken"
    func run() async throws -> [HealthCheckResult] { throw Failure() }
}

@Suite("Health check runner")
struct HealthCheckRunnerTests {
    @Test("checks run in parallel with a time limit each: a hanging check is FAILED by the deadline and the others still answer")
    func timeouts() async {
        // The hanging checks would sleep an hour: the run returning at all is the evidence that the time limit works.
        let results = await HealthCheckRunner(timeout: .milliseconds(300)).run([HangingCheck(), QuickCheck(), BrokenCheck(), HangingCheck()])
        #expect(results.map(\.name) == ["hangs", "quick", "broken", "hangs"])
        #expect(results.map(\.status) == [.failed, .ok, .failed, .failed])
        #expect(results[0].message.contains("did not finish") && results[2].message.contains("failed"))
    }
}

@Suite("Latency anomalies")
struct AnomalyTests {
    @Test("a latency far above the robust spread of its history is flagged; an earlier spike does not mask it; too little history says nothing")
    func robustZ() {
        let history = [2.0, 2.1, 1.9, 2.2, 2.0, 2.05, 1.95, 2.1, 40.0, 2.0, 1.9, 2.1]
        #expect(AnomalyDetector.observation(check: "database.latency", value: 25, history: history, unit: " ms")?.fingerprint == "anomaly:database.latency")
        #expect(AnomalyDetector.observation(check: "database.latency", value: 2.3, history: history, unit: " ms") == nil)
        // Far outside a calm history, yet under the floor: not worth a look.
        let calm = [0.97, 0.98, 0.96, 0.97, 0.99, 0.97, 0.96, 0.98, 0.97, 0.97, 0.98, 0.96]
        #expect(AnomalyDetector.observation(check: "database.latency", value: 3.85, history: calm, unit: " ms")?.fingerprint == "anomaly:database.latency")
        #expect(AnomalyDetector.observation(check: "database.latency", value: 3.85, history: calm, unit: " ms", floor: 10) == nil)
        #expect(AnomalyDetector.observation(check: "database.latency", value: 25, history: calm, unit: " ms", floor: 10) != nil)
        #expect(AnomalyDetector.robustZ(25, history: Array(history.prefix(5))) == nil)
        #expect(AnomalyDetector.robustZ(3, history: Array(repeating: 2, count: 12)) == nil)
        #expect(DegradationForecast.duration(5 * 3600 + 20 * 60) == "5 h 20 min" && DegradationForecast.duration(45 * 60) == "45 min")
    }
}
