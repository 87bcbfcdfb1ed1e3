import TradingCore

/// What one reconciliation changed.
public struct AlertChanges: Sendable {
    /// Alerts seen for the first time (or again after they had resolved).
    public let raised: [StoredSecurityAlert]
    /// Alerts whose condition is no longer seen.
    public let resolved: [StoredSecurityAlert]

    /// Creates the changes.
    public init(raised: [StoredSecurityAlert], resolved: [StoredSecurityAlert]) {
        self.raised = raised
        self.resolved = resolved
    }
}

/// A sweep as stored: when, the score, and its two documents as JSON text — the checks
/// (`/supervisor/health`) and the score with its breakdown and the scan (`/supervisor/security`).
public struct StoredSweep: Sendable {
    public let time: Timestamp
    public let score: Int
    public let health: String
    public let security: String

    /// Creates a sweep.
    public init(time: Timestamp, score: Int, health: String, security: String) {
        self.time = time
        self.score = score
        self.health = health
        self.security = security
    }
}

/// Where the supervisor keeps its alerts and sweeps (the store implements it on both databases).
public protocol SecurityAlertStore: Sendable {
    /// In one transaction: each observation raises a new alert or counts up the open alert with its
    /// fingerprint in the observer's scope; open alerts of `sources` in that scope whose fingerprint
    /// is not observed any more resolve (another scope's alerts are never touched).
    func reconcileAlerts(_ observations: [AlertObservation], sources: Set<AlertSource>, observer: AlertObserver, at time: Timestamp) async throws -> AlertChanges
    /// Resolves the open alerts of every named observer last seen before `cutoff` (an observer that
    /// stopped sweeping: a replica scaled down or renamed); shared alerts are never touched.
    func resolveAbandonedAlerts(lastSeenBefore cutoff: Timestamp, at time: Timestamp) async throws -> [StoredSecurityAlert]
    /// Alerts, newest first (open ones only unless `includeResolved`).
    func securityAlerts(includeResolved: Bool, limit: Int) async throws -> [StoredSecurityAlert]
    /// Alerts with an id above `id` (raised after it), oldest first, at most `limit`.
    func securityAlerts(afterID id: Int64, limit: Int) async throws -> [StoredSecurityAlert]
    /// Acknowledges an alert; nil when there is no alert with that id.
    func acknowledgeAlert(id: Int64, by operator: String, at time: Timestamp) async throws -> StoredSecurityAlert?
    /// Stores a sweep's score and report.
    func recordSweep(_ sweep: StoredSweep) async throws
    /// The newest sweep.
    func latestSweep() async throws -> StoredSweep?
    /// Stores one value of a trended check in a scope, keeping the newest `keep` of that check.
    func recordSample(scope: String, check: String, time: Timestamp, value: Double, keep: Int) async throws
    /// The stored values of a scope's trended checks, oldest first, by check.
    func samples(scope: String) async throws -> [String: [(time: Timestamp, value: Double)]]
}

extension SecurityAlertStore {
    /// Reconciles alerts about what every process sees alike (one scope for all).
    public func reconcileAlerts(_ observations: [AlertObservation], sources: Set<AlertSource>, at time: Timestamp) async throws -> AlertChanges {
        try await reconcileAlerts(observations, sources: sources, observer: .anyone, at: time)
    }
}
