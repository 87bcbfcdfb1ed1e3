import FeedbackLoop
import Foundation
import Logging
import SecuritySupervisor
import TradingCore
import TradingEngine

/// A process's system signatures: at each pass, judges the windows its `SystemObservations`
/// finished against the signatures (every process's stored cells), stores what it learned, and
/// keeps one supervisor alert (source `signature`) per subject out of its signature, raised and
/// resolved under this process's own observer, so replicas never resolve each other's. A newly
/// raised alert is also handed to `deliver` (the configured webhook), once.
actor SystemSignatureKeeper {
    private let observations: SystemObservations
    private let store: any SystemSignatureStore & SecurityAlertStore
    private let alertObserver: AlertObserver
    private let logger: Logger
    private let deliver: (@Sendable (StoredSecurityAlert) async -> Void)?
    private var monitor: SystemSignatureMonitor
    private var loaded = false
    private var lastRefresh = Timestamp(millisecondsSinceEpoch: 0)
    private var unsaved: [String: StoredSignatureCell] = [:]
    /// How often the other processes' cells are read again.
    let refreshMilliseconds: Int64 = 3_600_000

    /// A keeper of `observations`' subjects, speaking as `observer` (its cells are stored under
    /// the observer's `host/role`).
    init(observations: SystemObservations, store: any SystemSignatureStore & SecurityAlertStore, observer: AlertObserver, halfLifeDays: Int,
         logger: Logger, rule: SignatureAnomalyRule = SignatureAnomalyRule(), deliver: (@Sendable (StoredSecurityAlert) async -> Void)? = nil) {
        self.observations = observations
        self.deliver = deliver
        self.store = store
        alertObserver = observer
        self.logger = logger
        monitor = SystemSignatureMonitor(observer: observer.scope, halfLifeMilliseconds: Int64(halfLifeDays) * 86_400_000)
        monitor.rule = rule
    }

    /// The anomalies open now.
    var openAnomalies: [SystemSignatureMonitor.OpenAnomaly] { monitor.open.values.sorted { $0.key < $1.key } }

    /// One pass at `now`. A failure to read the signatures leaves the finished windows waiting for
    /// the next pass; one to store them keeps them in memory until a store succeeds.
    @discardableResult
    func pass(now: Timestamp) async throws -> SystemSignatureMonitor.Report {
        if !loaded {
            monitor.load(try await store.systemSignatureCells(kind: nil))
            // The anomalies this process had open before it stopped go on: not resolved and raised (and posted) again.
            let mine = try await store.securityAlerts(includeResolved: false, limit: 10_000)
                .filter { $0.source == .signature && $0.host == alertObserver.host && $0.role == alertObserver.role }
            monitor.restore(mine.compactMap(Self.anomaly))
            loaded = true
            lastRefresh = now
        } else if now.millisecondsSinceEpoch - lastRefresh.millisecondsSinceEpoch >= refreshMilliseconds {
            lastRefresh = now
            do {
                // 30 half-lives: a weight of one in a billion.
                let forgotten = try await store.deleteSystemSignatureCells(updatedBefore: now.adding(milliseconds: -30 * monitor.halfLifeMilliseconds))
                if forgotten > 0 { logger.info("system signature cells aged out", metadata: ["cells": .stringConvertible(forgotten)]) }
                monitor.refreshOthers(try await store.systemSignatureCells(kind: nil))
            } catch {
                logger.warning("system signatures of the other processes not refreshed", metadata: ["reason": .string(String(describing: error))])
            }
        }
        let report = monitor.process(observations.takeClosedWindows(), now: now)
        for cell in report.changed { unsaved["\(cell.kind.rawValue)\u{0}\(cell.subject)\u{0}\(cell.slot.hour)\u{0}\(cell.slot.load)"] = cell }
        for anomaly in report.opened {
            logger.warning("out of its system signature", metadata: ["kind": .string(anomaly.key.kind.rawValue), "subject": .string(anomaly.key.subject),
                                                                     "findings": .string(anomaly.findings.map(\.summary).joined(separator: "; "))])
        }
        for (key, reason) in report.resolved {
            logger.info("back within its system signature", metadata: ["kind": .string(key.kind.rawValue), "subject": .string(key.subject), "reason": .string(reason)])
        }
        let changes = try await store.reconcileAlerts(openAnomalies.map(Self.alert), sources: [.signature], observer: alertObserver, at: now)
        if let deliver { for alert in changes.raised { await deliver(alert) } }
        if !unsaved.isEmpty {
            try await store.saveSystemSignatureCells(unsaved.keys.sorted().compactMap { unsaved[$0] })
            unsaved.removeAll()
        }
        return report
    }

    /// The open anomaly an alert of ours stands for (its fingerprint names the subject; its level
    /// and title, which `alert` writes, what it is about); nil for one that is not ours.
    static func anomaly(_ alert: StoredSecurityAlert) -> SystemSignatureMonitor.OpenAnomaly? {
        guard let key = SystemSignatureMonitor.Key(alertFingerprint: alert.fingerprint) else { return nil }
        var kinds: Set<SignatureAnomalyRule.FindingKind> = []
        if alert.level == .error { kinds.insert(.errors) }
        if alert.title.hasSuffix("latency out of its signature") { kinds.insert(.latency) }
        guard !kinds.isEmpty else { return nil }
        return SystemSignatureMonitor.OpenAnomaly(key: key, since: alert.firstSeen, lastEvidence: alert.lastSeen, kinds: kinds)
    }

    /// The supervisor alert of an open anomaly: ERROR when failures rose, WARNING for latency alone.
    static func alert(_ anomaly: SystemSignatureMonitor.OpenAnomaly) -> AlertObservation {
        let failing = anomaly.shares.keys.contains(.errors)
        let what = anomaly.shares.keys.map(\.rawValue).sorted().joined(separator: " and ")
        let range = SystemSignature.loadRange(level: anomaly.slot.load)
        let basis = anomaly.findings.first?.basis ?? .all
        let compared = switch basis {
        case .hourAndLoad: "its signature at \(anomaly.slot.hour):00 UTC under this load"
        case .hourAndNearLoad: "its signature at \(anomaly.slot.hour):00 UTC under a load one level off"
        case .hour: "its signature at \(anomaly.slot.hour):00 UTC under any load"
        case .load: "its signature under this load at any hour"
        case .all: "its whole signature"
        }
        let message = anomaly.findings.isEmpty
            ? "carried over from before this process restarted, not judged again yet; last seen in the window ending \(anomaly.lastEvidence.iso8601); out since \(anomaly.since.iso8601)"
            : anomaly.findings.map(\.summary).joined(separator: "; ")
                + " — in the window ending \(anomaly.lastEvidence.iso8601), at \(String(format: "%g", range.from))–\(String(format: "%g", range.to)) operations a minute, "
                + "compared with \(compared); out since \(anomaly.since.iso8601)"
        return AlertObservation(
            fingerprint: anomaly.key.alertFingerprint, level: failing ? .error : .warning, source: .signature,
            title: "\(anomaly.key.kind.rawValue) \(anomaly.key.subject): \(what) out of its signature", message: message)
    }
}
