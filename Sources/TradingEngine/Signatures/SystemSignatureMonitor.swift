import FeedbackLoop
import TradingCore

/// Judges a process's finished windows against their subjects' signatures, keeps the anomalies
/// open until their subject behaves again, and learns each window into the process's own cells.
///
/// A subject's signature is every observer's cells merged, each aged to the window's start
/// (weights halve every `halfLifeMilliseconds`), so a replica's experience counts for the others
/// and old behaviour fades. Other observers' cells are read from the store (`refreshOthers`);
/// this process's own are authoritative in memory and handed back for storing as they change.
///
/// A window judged anomalous against its own slot is not learned while its anomaly is younger
/// than `learnAnomaliesAfterMilliseconds` (a day): an outage must not teach the signature that
/// outages are normal, but a change that lasts a day is the new normal and stops alerting. A
/// window judged against a coarser basis (its slot was not known yet: the first busy noon) is
/// learned all the same, or a daily pattern would alert every day without ever being learned. An anomaly is
/// resolved by a window with enough operations that is normal again with its effect gone (a
/// share under the rule's ratio, not only a p-value that a small window cannot reach), or after
/// `quietMilliseconds` without such evidence either way (the subject stopped being used).
public struct SystemSignatureMonitor: Sendable {
    /// A subject.
    public struct Key: Sendable, Hashable, Comparable {
        public let kind: SystemSubjectKind
        public let subject: String

        /// Creates a key.
        public init(kind: SystemSubjectKind, subject: String) {
            self.kind = kind
            self.subject = subject
        }

        public static func < (lhs: Key, rhs: Key) -> Bool { (lhs.kind, lhs.subject) < (rhs.kind, rhs.subject) }
    }

    /// A subject out of its signature.
    public struct OpenAnomaly: Sendable, Hashable {
        public let key: Key
        /// The first anomalous window's start.
        public let since: Timestamp
        /// The end of the newest window that showed it.
        public var lastEvidence: Timestamp
        /// The newest window's findings.
        public var findings: [SignatureAnomalyRule.Finding]
        /// The newest anomalous window's slot.
        public var slot: SystemSignature.Slot
    }

    /// What one pass did.
    public struct Report: Sendable {
        /// Windows judged (with a verdict or not).
        public var windows = 0
        /// Windows with a verdict that were normal.
        public var normal = 0
        /// Windows without a verdict (too few operations or too little signature).
        public var insufficient = 0
        /// Anomalies opened in this pass.
        public var opened: [OpenAnomaly] = []
        /// Anomalies resolved in this pass, and why.
        public var resolved: [(key: Key, reason: String)] = []
        /// Own cells changed in this pass (to store).
        public var changed: [StoredSignatureCell] = []
    }

    /// This process as an observer (`host/role`).
    public let observer: String
    public let halfLifeMilliseconds: Int64
    public var rule = SignatureAnomalyRule()
    public var learnAnomaliesAfterMilliseconds: Int64 = 24 * 3_600_000
    public var quietMilliseconds: Int64 = 3_600_000
    private var others: [Key: [StoredSignatureCell]] = [:]
    private var own: [Key: [SystemSignature.Slot: StoredSignatureCell]] = [:]
    /// The anomalies open now.
    public private(set) var open: [Key: OpenAnomaly] = [:]

    /// A monitor for `observer`, with no signature yet.
    public init(observer: String, halfLifeMilliseconds: Int64) {
        self.observer = observer
        self.halfLifeMilliseconds = halfLifeMilliseconds
    }

    /// Takes the stored cells: this observer's become its own (at start), the others' are kept as read.
    public mutating func load(_ cells: [StoredSignatureCell]) {
        own = [:]
        for cell in cells where cell.observer == observer {
            own[Key(kind: cell.kind, subject: cell.subject), default: [:]][cell.slot] = cell
        }
        refreshOthers(cells)
    }

    /// Replaces the other observers' cells with a newer reading (this observer's own are ignored:
    /// memory is newer than the store).
    public mutating func refreshOthers(_ cells: [StoredSignatureCell]) {
        others = [:]
        for cell in cells where cell.observer != observer {
            others[Key(kind: cell.kind, subject: cell.subject), default: []].append(cell)
        }
    }

    /// The subject's signature aged to `time`: every observer's cells merged.
    public func signature(_ key: Key, at time: Timestamp) -> SystemSignature {
        var signature = SystemSignature()
        for cell in others[key, default: []] { signature.add(cell.cell(agedTo: time, halfLifeMilliseconds: halfLifeMilliseconds), at: cell.slot) }
        for cell in own[key, default: [:]].values { signature.add(cell.cell(agedTo: time, halfLifeMilliseconds: halfLifeMilliseconds), at: cell.slot) }
        return signature
    }

    /// Judges `windows` (oldest first), learns them, and resolves anomalies left without evidence by `now`.
    public mutating func process(_ windows: [SystemWindow], now: Timestamp) -> Report {
        var report = Report()
        var changed: [Key: Set<SystemSignature.Slot>] = [:]
        for window in windows.sorted(by: { ($0.start, $0.kind, $0.subject) < ($1.start, $1.kind, $1.subject) }) {
            report.windows += 1
            let key = Key(kind: window.kind, subject: window.subject)
            let slot = window.slot
            var learn = true
            let reference = signature(key, at: window.start)
            switch rule.verdict(window: window.cell, slot: slot, signature: reference) {
            case .insufficient:
                report.insufficient += 1
                learn = open[key] == nil
            case .normal:
                report.normal += 1
                guard var anomaly = open[key] else { break }
                if rule.elevated(window: window.cell, slot: slot, signature: reference).isDisjoint(with: anomaly.findings.map(\.kind)) {
                    open.removeValue(forKey: key)
                    report.resolved.append((key, "a window of \(Int(window.cell.weight)) operations from \(window.start.iso8601) is within its signature again"))
                } else {
                    // Still elevated, if not provably: the anomaly goes on, and so does its evidence.
                    anomaly.lastEvidence = window.end
                    open[key] = anomaly
                    learn = false
                }
            case .anomalous(let findings):
                let againstOwnSlot = findings.contains { $0.basis == .hourAndLoad }
                if var anomaly = open[key] {
                    anomaly.lastEvidence = window.end
                    anomaly.findings = findings
                    anomaly.slot = slot
                    open[key] = anomaly
                    learn = !againstOwnSlot || window.start.millisecondsSinceEpoch - anomaly.since.millisecondsSinceEpoch >= learnAnomaliesAfterMilliseconds
                } else {
                    let anomaly = OpenAnomaly(key: key, since: window.start, lastEvidence: window.end, findings: findings, slot: slot)
                    open[key] = anomaly
                    report.opened.append(anomaly)
                    learn = !againstOwnSlot
                }
            }
            guard learn else { continue }
            let previous = own[key]?[slot]
            var cell = previous.map { $0.cell(agedTo: window.end, halfLifeMilliseconds: halfLifeMilliseconds) } ?? SystemSignatureCell()
            cell.add(window.cell)
            own[key, default: [:]][slot] = StoredSignatureCell(kind: window.kind, subject: window.subject, observer: observer, slot: slot, cell: cell,
                                                               updatedAt: max(window.end, previous?.updatedAt ?? window.end))
            changed[key, default: []].insert(slot)
        }
        for (key, anomaly) in open where now.millisecondsSinceEpoch - anomaly.lastEvidence.millisecondsSinceEpoch >= quietMilliseconds {
            open.removeValue(forKey: key)
            report.resolved.append((key, "no window with enough operations to judge since \(anomaly.lastEvidence.iso8601)"))
        }
        report.changed = changed.sorted { $0.key < $1.key }.flatMap { key, slots in slots.sorted().compactMap { own[key]?[$0] } }
        return report
    }
}
