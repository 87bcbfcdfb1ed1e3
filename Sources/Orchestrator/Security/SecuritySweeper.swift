import Foundation
import HTTPServer
import Logging
import SecuritySupervisor
import ServiceLifecycle
import Storage
import TradingCore
import TradingEngine

/// One sweep of the security supervisor: health checks in parallel, the vulnerability scan when
/// a database is configured, degradation forecasts, the score, alerts reconciled in the store
/// (raised, counted, resolved), new alerts delivered (log, webhook, and the risk gate when
/// configured), metrics, and the sweep stored for the API.
public actor SecuritySweeper {
    let configuration: OrchestratorConfiguration
    let store: SQLStore
    let logger: Logger
    let clock: any TradingClock
    let metrics: SecurityMetrics?
    let webhook: AlertWebhook?
    /// The CPU check keeps its previous sample, so it lives as long as the sweeper.
    private let cpu = SystemProbes.CPU()
    /// Recent values of the checks that are forecast (disk, memory), oldest first.
    private var samples: [String: [DegradationForecast.Sample]] = [:]
    /// The checks whose trend is forecast to their FAILED threshold (and the latency also tested for anomalies).
    static let forecastChecks: [(name: String, threshold: Double, unit: String)] = [
        ("disk.space", 95, " %"), ("disk.inodes", 95, " %"), ("memory", 95, " %"), ("database.latency", 500, " ms"), ("process.open_files", 90, " %"),
    ]
    static let sources: Set<AlertSource> = [.health, .posture, .vulnerability, .scan, .forecast]

    /// Creates a sweeper.
    public init(configuration: OrchestratorConfiguration, store: SQLStore, logger: Logger, clock: any TradingClock, metrics: SecurityMetrics?) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        self.clock = clock
        self.metrics = metrics
        webhook = configuration.security.webhookURL.flatMap(URL.init(string:)).map(AlertWebhook.init(url:))
    }

    /// The checks of this configuration.
    func checks() -> [any HealthCheck] {
        var checks: [any HealthCheck] = [cpu, SystemProbes.Memory(), SystemProbes.Disk(path: configuration.dataDirectory),
                                         SystemProbes.Process(), SystemProbes.Database(store: store), SystemProbes.Container(),
                                         SystemProbes.Posture(configuration: configuration)]
        for endpoint in configuration.security.endpoints {
            guard let colon = endpoint.lastIndex(of: ":"), let port = UInt16(endpoint[endpoint.index(after: colon)...]) else { continue }
            checks.append(SystemProbes.Network(host: String(endpoint[..<colon]), port: port))
        }
        return checks
    }

    /// The scan of this machine's Debian packages and of the Swift pins this program ships with, or
    /// a report whose database is missing when none is configured: no evidence is not a clean result.
    func scan(now: Timestamp) -> VulnerabilityScanner.Report {
        guard let folder = configuration.security.osvDatabase else {
            return VulnerabilityScanner().scan([], database: .init(records: [], unreadable: [], missing: true), now: now)
        }
        var request = ScanCommand.Request(database: folder)
        if let resolved = Self.shippedResolvedFile() { request.resolvedFiles = [resolved] }
        if FileManager.default.fileExists(atPath: "/var/lib/dpkg/status"),
           let release = FileManager.default.contents(atPath: "/etc/os-release").map({ String(decoding: $0, as: UTF8.self) }),
           DebianInventory.ecosystem(osRelease: release) != nil {
            request.dpkgStatus = "/var/lib/dpkg/status"
        }
        let packages = (try? ScanCommand.inventory(request).0) ?? []
        return VulnerabilityScanner().scan(packages, database: OSVDatabaseLoader.load(folder), now: now)
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
        let (results, milliseconds) = await checkOnce()
        let scanReport = scan(now: now)
        var observations = AlertRules.observations(checks: results) + AlertRules.observations(scan: scanReport)
        for (name, threshold, unit) in Self.forecastChecks {
            guard let value = results.first(where: { $0.name == name })?.value else { continue }
            var history = samples[name, default: []]
            // The anomaly test compares the new value with the history before it.
            if name == "database.latency", let anomaly = AnomalyDetector.observation(check: name, value: value, history: history.map(\.value), unit: unit) {
                observations.append(anomaly)
            }
            history.append(DegradationForecast.Sample(seconds: Double(now.millisecondsSinceEpoch) / 1000, value: value))
            samples[name] = Array(history.suffix(30))
            if let forecast = DegradationForecast.observation(check: name, threshold: threshold, unit: unit, samples: samples[name]!) {
                observations.append(forecast)
            }
        }
        let posture = results.filter { $0.name.hasPrefix("posture.") }
        let score = SecurityScore(report: scanReport,
                                  checks: results.filter { !$0.name.hasPrefix("posture.") }.map { ($0.name, SecurityScore.CheckStatus(rawValue: $0.status.rawValue) ?? .failed) },
                                  postureProblems: posture.filter { $0.status != .ok }.map(\.message))
        let changes = try await store.reconcileAlerts(observations, sources: Self.sources, at: now)
        for alert in changes.raised { await deliver(alert) }
        for alert in changes.resolved { logger.info("alert resolved", metadata: ["alert_id": .stringConvertible(alert.id), "title": .string(alert.title)]) }
        let open = try await store.securityAlerts(includeResolved: false, limit: 1000)
        metrics?.record(score: score.score, checks: results, openAlerts: open, findings: scanReport.findings)
        let sweep = StoredSweep(time: now, score: score.score, health: String(decoding: Self.health(time: now, checks: results, milliseconds: milliseconds).serialized(), as: UTF8.self),
                                security: String(decoding: Self.security(time: now, score: score, scan: scanReport, openAlerts: open).serialized(), as: UTF8.self))
        try await store.recordSweep(sweep)
        return sweep
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
        if let webhook {
            let logger = logger
            Task {
                do {
                    try await webhook.deliver(alert)
                } catch {
                    logger.warning("alert webhook delivery failed", metadata: ["alert_id": .stringConvertible(alert.id), "reason": .string(String(describing: error))])
                }
            }
        }
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

    /// The score document (`GET /api/v1/supervisor/security`).
    static func security(time: Timestamp, score: SecurityScore, scan: VulnerabilityScanner.Report, openAlerts: [StoredSecurityAlert]) -> JSONValue {
        var findings: [(String, JSONValue)] = [("total", .int(scan.findings.count))]
        for severity in [VulnerabilityScanner.Severity.critical, .high, .medium, .low, .unknown] {
            findings.append((severity.rawValue.lowercased(), .int(scan.findings.filter { $0.severity == severity }.count)))
        }
        var levels: [(String, JSONValue)] = []
        for level in AlertLevel.allCases { levels.append((level.rawValue, .int(openAlerts.filter { $0.level == level }.count))) }
        return [
            "time": .string(time.iso8601),
            "score": .int(score.score),
            "deductions": .array(score.deductions.map { ["reason": .string($0.reason), "points": .int($0.points)] }),
            "scan": [
                "packages_scanned": .int(scan.packagesScanned),
                "database_records": .int(scan.database.records.count),
                "database_problems": .array(scan.databaseProblems.map { .string($0.code) }),
                "findings": .object(findings),
            ],
            "open_alerts": .object(levels),
        ]
    }
}

/// Sweeps every `security.check_interval_seconds` until shutdown.
struct SecuritySupervisorService: Service {
    let sweeper: SecuritySweeper
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let sweep = try await sweeper.sweep()
                logger.info("security sweep", metadata: ["score": .stringConvertible(sweep.score)])
            } catch {
                logger.error("security sweep failed", metadata: ["reason": .string(String(describing: error))])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
