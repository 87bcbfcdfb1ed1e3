import Foundation
import HTTPServer
import Logging
import SecuritySupervisor
import ServiceLifecycle
import Storage
import TradingCore
import TradingEngine

/// One sweep of the security supervisor: health checks in parallel, the vulnerability scan,
/// degradation forecasts, the score, alerts reconciled in the store (raised, counted, resolved),
/// new alerts delivered (log, webhook, and the risk gate when configured), metrics, and the sweep
/// stored for the API.
///
/// Replicas agree: each sweep reconciles only the alerts of its own observer (host and role), and
/// the alerts every process sees alike (the scan's findings and database problems) are reconciled
/// by the one sweeper that holds the `security-supervisor` leadership; the leader also resolves
/// the alerts of observers that stopped sweeping (a replica scaled down). The samples behind the
/// trend forecasts are stored, so a restart keeps the trend.
public actor SecuritySweeper {
    let configuration: OrchestratorConfiguration
    let store: SQLStore
    let logger: Logger
    let clock: any TradingClock
    let metrics: SecurityMetrics?
    /// Posts a new alert to the configured webhook (nil: none).
    let webhookDelivery: (@Sendable (StoredSecurityAlert) async -> Void)?
    /// This process as the observer of its alerts.
    public let observer: AlertObserver
    /// This process's name in the leadership.
    let holder: String
    /// The CPU check keeps its previous sample, so it lives as long as the sweeper.
    private let cpu = SystemProbes.CPU()
    /// The error-rate check keeps the previous totals (nil: a process without an API).
    private let httpErrors: SystemProbes.HTTPErrors?
    /// Recent values of the checks that are forecast (disk, memory), oldest first.
    private var samples: [String: [DegradationForecast.Sample]] = [:]
    /// Whether the stored samples have been read (at the first sweep).
    private var samplesLoaded = false
    /// The database as last loaded, with the state of its files: reloaded only when they change.
    private var loadedDatabase: (state: String, database: VulnerabilityScanner.Database)?
    /// The checks whose trend is forecast to their FAILED threshold; those of `anomalyChecks` are
    /// also tested against their own history.
    static let forecastChecks: [(name: String, threshold: Double, unit: String)] = [
        ("disk.space", 95, " %"), ("disk.inodes", 95, " %"), ("memory", 95, " %"), ("database.latency", 500, " ms"), ("process.open_files", 90, " %"),
        ("http.error_rate", 5, " %"),
    ]
    /// The checks tested against their own history, each with the smallest value that can be an
    /// anomaly: a fifth of its WARNING level (50 ms, 1 %).
    static let anomalyChecks: [String: Double] = ["database.latency": 10, "http.error_rate": 0.2]
    /// How many samples of each trended check are kept (in memory and in the store).
    static let keptSamples = 30
    /// What each observer reconciles for itself, and what the leader reconciles for all.
    static let ownSources: Set<AlertSource> = [.health, .posture, .forecast]
    static let sharedSources: Set<AlertSource> = [.vulnerability, .scan, .health, .posture, .forecast]
    /// The leadership that owns the shared alerts.
    static let leadershipName = "security-supervisor"

    /// Creates a sweeper; `role` names this process among the observers (`api:8080`), and
    /// `requestTotals` reads the API's request counters for the error-rate trend.
    public init(configuration: OrchestratorConfiguration, store: SQLStore, logger: Logger, clock: any TradingClock, metrics: SecurityMetrics?,
                role: String = "sweep", requestTotals: (@Sendable () -> (answered: Int, serverErrors: Int))? = nil) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        self.clock = clock
        self.metrics = metrics
        webhookDelivery = AlertWebhook.delivery(configuration, logger: logger)
        observer = AlertObserver(host: ProcessInfo.processInfo.hostName, role: role)
        holder = ProcessName.of(role: role)
        httpErrors = requestTotals.map { SystemProbes.HTTPErrors(totals: $0) }
    }

    /// How long the leadership lasts unrenewed (lease-row leadership, SQLite): three sweeps.
    var leadershipLease: Duration { .seconds(max(3 * configuration.security.checkIntervalSeconds, 30)) }

    /// The checks of this configuration.
    func checks() -> [any HealthCheck] {
        var checks: [any HealthCheck] = [cpu, SystemProbes.Memory(), SystemProbes.Disk(path: configuration.dataDirectory),
                                         SystemProbes.Process(), SystemProbes.Database(store: store), SystemProbes.Container(),
                                         SystemProbes.Posture(configuration: configuration)]
        if let httpErrors { checks.append(httpErrors) }
        for endpoint in configuration.security.endpoints {
            guard let colon = endpoint.lastIndex(of: ":"), let port = UInt16(endpoint[endpoint.index(after: colon)...]) else { continue }
            checks.append(SystemProbes.Network(host: String(endpoint[..<colon]), port: port))
        }
        return checks
    }

    /// The scan of this machine's Debian or Ubuntu packages (its own image's, in a container) and of
    /// the Swift pins this program ships with, and what could not be scanned and why; with no
    /// database the report says so: no evidence is not a clean result.
    func scan(now: Timestamp) async -> (report: VulnerabilityScanner.Report, notScanned: [String]) {
        let folder = configuration.osvDatabaseFolder
        var request = ScanCommand.Request(database: folder)
        var notScanned: [String] = []
        if let resolved = Self.shippedResolvedFile() {
            request.resolvedFiles = [resolved]
        } else {
            notScanned.append("Swift pins: no Package.resolved in the working folder or beside the executable")
        }
        let release = ScanCommand.hostOSRelease()
        switch (FileManager.default.fileExists(atPath: "/var/lib/dpkg/status"), release.flatMap(DebianInventory.ecosystem(osRelease:))) {
        case (true, .some):
            request.dpkgStatus = "/var/lib/dpkg/status"
        case (false, _):
            notScanned.append("system packages: no dpkg status (/var/lib/dpkg/status); only Debian and Ubuntu packages are inventoried")
        case (true, nil):
            let id = release.flatMap { DebianInventory.osReleaseFields($0)["ID"] }.map { "ID=\($0)" } ?? "no ID"
            notScanned.append("system packages: /etc/os-release names neither Debian nor Ubuntu (\(id)), whose advisories the scanner reads")
        }
        let database = await database(folder)
        let (report, problem) = await BlockingWork.run { [request] () -> (VulnerabilityScanner.Report, String?) in
            var packages: [InstalledPackage] = []
            var problem: String?
            do {
                packages = try ScanCommand.inventory(request).0
            } catch {
                problem = "inventory: \(error)"
            }
            return (VulnerabilityScanner().scan(packages, database: database, now: now), problem)
        }
        return (report, notScanned + (problem.map { [$0] } ?? []))
    }

    /// The database, reloaded only when a file in its folder changed (size or time): decoding
    /// tens of thousands of records at every sweep would cost seconds of CPU for nothing.
    func database(_ folder: String) async -> VulnerabilityScanner.Database {
        let state = OSVDatabaseLoader.state(of: folder)
        if let loadedDatabase, loadedDatabase.state == state { return loadedDatabase.database }
        let database = await BlockingWork.run { OSVDatabaseLoader.load(folder) }
        loadedDatabase = (state, database)
        return database
    }


    /// The Package.resolved to scan: the working folder's (a checkout run from its root), else the one
    /// beside the executable (the container image ships its build's pins there); nil when neither exists.
    public static func shippedResolvedFile(
        workingFolder: String = FileManager.default.currentDirectoryPath,
        executable: URL? = Bundle.main.executableURL
    ) -> String? {
        var candidates = [URL(fileURLWithPath: workingFolder).appendingPathComponent("Package.resolved").path]
        if let executable {
            candidates.append(executable.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("Package.resolved").path)
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Runs the health checks once (no scan, no alerts): what `orchestrator health` shows; with the
    /// wall time of the whole parallel run in milliseconds.
    public func checkOnce() async -> (results: [HealthCheckResult], milliseconds: Double) {
        let clock = ContinuousClock()
        let started = clock.now
        let results = await HealthCheckRunner(timeout: .seconds(configuration.security.checkTimeoutSeconds)).run(checks())
        let elapsed = clock.now - started
        return (results, elapsed.milliseconds)
    }

    /// Runs one sweep, stores it and returns it.
    @discardableResult
    public func sweep() async throws -> StoredSweep {
        let now = clock.now()
        if !samplesLoaded {
            do {
                for (check, values) in try await store.samples(scope: observer.scope) {
                    samples[check] = values.suffix(Self.keptSamples).map { DegradationForecast.Sample(seconds: Double($0.time.millisecondsSinceEpoch) / 1000, value: $0.value) }
                }
                samplesLoaded = true
            } catch {
                logger.warning("stored supervisor samples could not be read; trends start afresh", metadata: ["reason": .string(String(describing: error))])
            }
        }
        let (results, milliseconds) = await checkOnce()
        let (scanReport, notScanned) = await scan(now: now)
        var observations = AlertRules.observations(checks: results)
        for (name, threshold, unit) in Self.forecastChecks {
            guard let value = results.first(where: { $0.name == name })?.value else { continue }
            var history = samples[name, default: []]
            // The anomaly test compares the new value with the history before it.
            if let smallest = Self.anomalyChecks[name],
               let anomaly = AnomalyDetector.observation(check: name, value: value, history: history.map(\.value), unit: unit, floor: smallest) {
                observations.append(anomaly)
            }
            history.append(DegradationForecast.Sample(seconds: Double(now.millisecondsSinceEpoch) / 1000, value: value))
            samples[name] = Array(history.suffix(Self.keptSamples))
            do {
                try await store.recordSample(scope: observer.scope, check: name, time: now, value: value, keep: Self.keptSamples)
            } catch {
                logger.warning("a supervisor sample could not be stored", metadata: ["check": .string(name), "reason": .string(String(describing: error))])
            }
            if let forecast = DegradationForecast.observation(check: name, threshold: threshold, unit: unit, samples: samples[name]!) {
                observations.append(forecast)
            }
        }
        let score = SecurityScore(report: scanReport, results: results)
        var changes = try await store.reconcileAlerts(observations, sources: Self.ownSources, observer: observer, at: now)
        let leads: Bool
        do {
            leads = try await store.acquireLeadership(name: Self.leadershipName, holder: holder, until: clock.instant(now, plusWall: leadershipLease), at: now)
        } catch {
            leads = false
            logger.warning("the supervisor leadership could not be checked; shared alerts are left to the next sweep", metadata: ["reason": .string(String(describing: error))])
        }
        if leads {
            // The scan is the same for every process; the shared scope's health alerts are those
            // stored before alerts had observers, resolved here once.
            let shared = try await store.reconcileAlerts(AlertRules.observations(scan: scanReport, notScanned: notScanned), sources: Self.sharedSources,
                                                         observer: observer.asShared, at: now)
            // An observer that has not swept for ten of its intervals (at least ten minutes) is gone.
            let silence = max(10 * configuration.security.checkIntervalSeconds, 600)
            let abandoned = try await store.resolveAbandonedAlerts(lastSeenBefore: clock.instant(now, plusWall: .seconds(-silence)), at: now)
            changes = AlertChanges(raised: changes.raised + shared.raised, resolved: changes.resolved + shared.resolved + abandoned)
        }
        for alert in changes.raised { await deliver(alert) }
        for alert in changes.resolved { logger.info("alert resolved", metadata: ["alert_id": .stringConvertible(alert.id), "title": .string(alert.title)]) }
        let open = try await store.securityAlerts(includeResolved: false, limit: 1000)
        metrics?.record(score: score.score, checks: results, openAlerts: open, findings: scanReport.findings)
        let security = Self.security(time: now, score: score, scan: scanReport, openAlerts: open, notScanned: notScanned, observer: observer, leads: leads,
                                     database: configuration.osvDatabaseFolder)
        let sweep = StoredSweep(time: now, score: score.score, health: String(decoding: Self.health(time: now, checks: results, milliseconds: milliseconds).serialized(), as: UTF8.self),
                                security: String(decoding: security.serialized(), as: UTF8.self))
        try await store.recordSweep(sweep)
        return sweep
    }

    /// Gives the leadership up (at shutdown), so another replica owns the shared alerts at once.
    public func resign() async {
        try? await store.releaseLeadership(name: Self.leadershipName, holder: holder)
    }

    /// Log, webhook, and the risk gate for CRITICAL and SECURITY alerts when configured.
    private func deliver(_ alert: StoredSecurityAlert) async {
        let level: Logger.Level = switch alert.level {
        case .info: .info
        case .warning: .warning
        case .error: .error
        case .critical, .security: .critical
        }
        logger.log(level: level, "alert raised", metadata: ["alert_id": .stringConvertible(alert.id), "alert_level": .string(alert.level.rawValue),
                                                           "source": .string(alert.source.rawValue), "title": .string(alert.title)])
        await webhookDelivery?(alert)
        let action = configuration.security.riskAction
        guard alert.level.canActOnTrading, action != "none" else { return }
        do {
            for account in try await store.tradingAccountNames() {
                _ = try await store.requestTradingCommand(TradingCommand(id: nil, account: account, kind: action == "halt" ? .halt : .reduce, flatten: false,
                                                                         reason: "security alert \(alert.id) (\(alert.level.rawValue)): \(alert.title)",
                                                                         requestedAt: clock.now(), appliedAt: nil))
            }
            logger.critical("trading asked to \(action) by a security alert", metadata: ["alert_id": .stringConvertible(alert.id)])
        } catch {
            logger.error("the risk action of a security alert could not be queued", metadata: ["reason": .string(String(describing: type(of: error)))])
        }
    }

    /// The checks document (`GET /api/v1/supervisor/health`, `orchestrator health`).
    public static func health(time: Timestamp, checks: [HealthCheckResult], milliseconds: Double) -> JSONValue {
        let worst = checks.map(\.status).max() ?? .ok
        return [
            "time": .string(time.iso8601),
            "status": .string(worst.rawValue),
            "elapsed_ms": .number(milliseconds),
            "checks": .array(checks.map { check in
                [
                    "name": .string(check.name), "status": .string(check.status.rawValue), "value": check.value.map(JSONValue.number) ?? .null,
                    "threshold": .string(check.threshold), "message": .string(check.message), "elapsed_ms": .number(check.elapsedMilliseconds),
                ]
            }),
        ]
    }

    /// The score document (`GET /api/v1/supervisor/security`): each deduction with what it means and
    /// the one command or change that removes it.
    static func security(time: Timestamp, score: SecurityScore, scan: VulnerabilityScanner.Report, openAlerts: [StoredSecurityAlert], notScanned: [String],
                         observer: AlertObserver, leads: Bool, database: String?) -> JSONValue {
        var findings: [(String, JSONValue)] = [("total", .int(scan.findings.count))]
        for severity in [VulnerabilityScanner.Severity.critical, .high, .medium, .low, .unknown] {
            findings.append((severity.rawValue.lowercased(), .int(scan.findings.filter { $0.severity == severity }.count)))
        }
        var levels: [(String, JSONValue)] = []
        for level in AlertLevel.allCases { levels.append((level.rawValue, .int(openAlerts.filter { $0.level == level }.count))) }
        return [
            "time": .string(time.iso8601),
            "score": .int(score.score),
            "deductions": .array(score.deductions.map(Self.deduction)),
            "scan": [
                "packages_scanned": .int(scan.packagesScanned),
                "database_records": .int(scan.database.records.count),
                "database_problems": .array(scan.databaseProblems.map { .string($0.code) }),
                "database_path": database.map(JSONValue.string) ?? .null,
                "database_newest_record": scan.database.newestModified.map { .string($0.iso8601) } ?? .null,
                "database_age_days": scan.database.newestModified.map { .number(Double(time.millisecondsSinceEpoch - $0.millisecondsSinceEpoch) / 86_400_000) } ?? .null,
                "not_scanned": .array(notScanned.map(JSONValue.string)),
                "findings": .object(findings),
            ],
            "open_alerts": .object(levels),
            "observer": ["host": .string(observer.host), "role": .string(observer.role), "leader": .bool(leads)],
        ]
    }

    /// One deduction as the API and `scan` show it.
    static func deduction(_ deduction: SecurityScore.Deduction) -> JSONValue {
        ["reason": .string(deduction.reason), "points": .int(deduction.points), "meaning": .string(deduction.meaning), "remedy": .string(deduction.remedy)]
    }
}

/// Sweeps every `security.check_interval_seconds` until shutdown; the first sweep's score is told
/// to the person who started the process, each deduction with the command that removes it.
struct SecuritySupervisorService: Service {
    let sweeper: SecuritySweeper
    let interval: Duration
    let logger: Logger
    var announce: (@Sendable (String) -> Void)?

    func run() async throws {
        var first = true
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let sweep = try await sweeper.sweep()
                logger.info("security sweep", metadata: ["score": .stringConvertible(sweep.score)])
                if first, let announce {
                    first = false
                    announce(Self.explanation(sweep))
                }
            } catch {
                logger.error("security sweep failed", metadata: ["reason": .string(String(describing: error))])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        await sweeper.resign()
    }

    /// `Security score 52/100 (GET /api/v1/supervisor/security):` and each deduction with its meaning and fix.
    static func explanation(_ sweep: StoredSweep) -> String {
        var lines = ["Security score \(sweep.score)/100 (details: GET /api/v1/supervisor/security)"]
        let document = (try? JSONSerialization.jsonObject(with: Data(sweep.security.utf8))) as? [String: Any]
        for deduction in document?["deductions"] as? [[String: Any]] ?? [] {
            lines.append("  -\(deduction["points"] as? Int ?? 0)  \(deduction["reason"] as? String ?? "")")
            if let meaning = deduction["meaning"] as? String, !meaning.isEmpty { lines.append("        means: \(meaning)") }
            if let remedy = deduction["remedy"] as? String, !remedy.isEmpty { lines.append("        fix:   \(remedy)") }
        }
        return lines.joined(separator: "\n")
    }
}
