import TradingCore

/// How serious an alert is: INFO < WARNING < ERROR < CRITICAL, and SECURITY for a security
/// problem (a vulnerable package, a posture weakness), ranked with CRITICAL.
public enum AlertLevel: String, Sendable, Hashable, CaseIterable, Comparable {
    case info = "INFO"
    case warning = "WARNING"
    case error = "ERROR"
    case critical = "CRITICAL"
    case security = "SECURITY"

    var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .error: 2
        case .critical, .security: 3
        }
    }

    public static func < (lhs: AlertLevel, rhs: AlertLevel) -> Bool { lhs.rank < rhs.rank || (lhs.rank == rhs.rank && lhs == .critical && rhs == .security) }

    /// Whether the level may act on trading (by configuration).
    public var canActOnTrading: Bool { self == .critical || self == .security }
}

/// What observed an alert's condition. A sweep resolves the open alerts of the sources it
/// covers whose condition it no longer sees, and never another source's.
public enum AlertSource: String, Sendable, Hashable, CaseIterable, Comparable {
    /// A health check that is DEGRADED or FAILED.
    case health
    /// A posture check (root, file modes, keys, TLS).
    case posture
    /// A known vulnerability in an installed package or a pinned dependency.
    case vulnerability
    /// A problem of the vulnerability database, which makes the scan prove nothing.
    case scan
    /// A degradation forecast or an anomaly of a check's values.
    case forecast
    /// The feedback loop: a P&L anomaly, a forecast stream's drift.
    case feedback
    /// A predictive alert the feedback loop keeps and scores: a risk ahead or an opportunity.
    case prediction
    /// A route, job kind or venue endpoint out of its system signature (failures or latency).
    case signature

    public static func < (lhs: AlertSource, rhs: AlertSource) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A condition the supervisor observes now. Observations with the same fingerprint are one alert:
/// seen again, it counts up; no longer seen, it resolves.
public struct AlertObservation: Sendable, Hashable {
    /// Stable identity of the condition (`check:disk.space`, `vulnerability:Debian:12:openssl:DSA-1`).
    public let fingerprint: String
    public let level: AlertLevel
    /// What observed it.
    public let source: AlertSource
    public let title: String
    public let message: String

    /// Creates an observation.
    public init(fingerprint: String, level: AlertLevel, source: AlertSource, title: String, message: String) {
        self.fingerprint = fingerprint
        self.level = level
        self.source = source
        self.title = title
        self.message = message
    }
}

/// Turns what a sweep saw into alert observations.
public enum AlertRules {
    /// Check results: DEGRADED → WARNING, FAILED → ERROR, but a failed database or full disk is
    /// CRITICAL (nothing can be stored), and posture problems are SECURITY.
    public static func observations(checks: [HealthCheckResult]) -> [AlertObservation] {
        checks.compactMap { check in
            guard check.status != .ok else { return nil }
            let posture = check.name.hasPrefix("posture.")
            let level: AlertLevel = posture ? .security
                : check.status == .degraded ? .warning
                : (check.name.hasPrefix("database") || check.name == "disk.space") ? .critical : .error
            return AlertObservation(fingerprint: "check:\(check.name)", level: level, source: posture ? .posture : .health,
                                    title: "\(check.name) \(check.status.rawValue)", message: check.message)
        }
    }

    /// Scan findings: CRITICAL, HIGH and unscored advisories are SECURITY, MEDIUM WARNING and LOW
    /// INFO; a database problem is a WARNING (the scan proves nothing); each part of the inventory
    /// that could not be read (`notScanned`, the reason) is INFO, so that an unscanned host is said.
    public static func observations(scan report: VulnerabilityScanner.Report, notScanned: [String] = []) -> [AlertObservation] {
        var observations = report.findings.map { finding in
            AlertObservation(fingerprint: "vulnerability:\(finding.ecosystem):\(finding.package):\(finding.advisory)",
                             level: finding.severity >= .high ? .security : finding.severity == .low ? .info : .warning, source: .vulnerability,
                             title: "\(finding.package) \(finding.installedVersion): \(finding.advisory) (\(finding.severity.rawValue))",
                             message: (finding.summary ?? finding.advisory) + (finding.fixedVersion.map { "; fixed in \($0)" } ?? "; no fix listed"))
        }
        observations += report.databaseProblems.map { problem in
            AlertObservation(fingerprint: "scan:\(problem.code)", level: .warning, source: .scan, title: problem.code, message: problem.description)
        }
        observations += notScanned.map { reason in
            let part = reason.split(separator: ":", maxSplits: 1).first.map(String.init) ?? reason
            return AlertObservation(fingerprint: "scan:not_scanned:\(part)", level: .info, source: .scan, title: "\(part) not scanned", message: reason)
        }
        return observations
    }
}

/// Who observes alerts: a host and the role of the process on it. A replica's sweep resolves only
/// the alerts of its own scope, so two replicas that see different things never resolve each
/// other's alerts; a shared observer's alerts (the vulnerability scan and its database, the same
/// for every process) have one scope for all and are kept by the leader.
public struct AlertObserver: Sendable, Hashable {
    /// The host name (the container's, under Docker).
    public let host: String
    /// The process's role on it (`api:8080`, `run:8080`, `worker`).
    public let role: String
    /// Whether the alerts are about what every process sees alike.
    public let shared: Bool

    /// An observer whose alerts are its own.
    public init(host: String, role: String) {
        self.host = host
        self.role = role
        shared = false
    }

    private init(host: String, role: String, shared: Bool) {
        self.host = host
        self.role = role
        self.shared = shared
    }

    /// The same observer speaking for every process (as the leader).
    public var asShared: AlertObserver { AlertObserver(host: host, role: role, shared: true) }

    /// A shared observer with no name (the learning loop, tests).
    public static let anyone = AlertObserver(host: "", role: "", shared: true)

    /// The key an open alert is unique under with its fingerprint: empty when shared, else `host/role`.
    public var scope: String { shared ? "" : "\(host)/\(role)" }
}

/// An alert as stored: first and last seen, how often, acknowledgement and resolution.
public struct StoredSecurityAlert: Sendable, Hashable {
    public let id: Int64
    public let fingerprint: String
    public let level: AlertLevel
    public let source: AlertSource
    public let title: String
    public let message: String
    public let firstSeen: Timestamp
    public let lastSeen: Timestamp
    public let count: Int
    public let acknowledgedAt: Timestamp?
    public let acknowledgedBy: String?
    public let resolvedAt: Timestamp?
    /// The host that last observed it (empty when unnamed).
    public let host: String
    /// The role of the process that last observed it.
    public let role: String

    /// Creates a stored alert.
    public init(id: Int64, fingerprint: String, level: AlertLevel, source: AlertSource, title: String, message: String, firstSeen: Timestamp,
                lastSeen: Timestamp, count: Int, acknowledgedAt: Timestamp?, acknowledgedBy: String?, resolvedAt: Timestamp?,
                host: String = "", role: String = "") {
        self.id = id
        self.fingerprint = fingerprint
        self.level = level
        self.source = source
        self.title = title
        self.message = message
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.count = count
        self.acknowledgedAt = acknowledgedAt
        self.acknowledgedBy = acknowledgedBy
        self.resolvedAt = resolvedAt
        self.host = host
        self.role = role
    }
}
