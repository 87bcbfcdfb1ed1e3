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
/// While a subject's anomaly is open, its windows are not learned: an outage must not teach the
/// signature that outages are normal, nor be the reference that declares it over. Windows that
/// were anomalous only against a coarser reference than their own slot (a condition not seen
/// before: the first busy noon) are held aside and learned when the anomaly resolves, so a daily
/// pattern alerts once and is known the next day; the others (anomalous against their own slot, or
/// still elevated) are dropped. An anomaly that lasts `learnAnomaliesAfterMilliseconds` (a day) is
/// the new normal: this process's signature of the subject from before is discounted to
/// `maturedDiscount` of its weight, the held windows and every window from then on are learned,
/// and it stops alerting once the new behaviour holds most of the signature (within about a day).
///
/// An anomaly is resolved by a window whose verdict is normal with its effect gone (its shares
/// under the rule's ratio) and that had the power to show the effect (at the anomaly's observed
/// share, its operations would have held `minimumEvents`: a quiet window proves nothing), or after
/// `quietMilliseconds` without such a window (the subject stopped being used).
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

        /// The fingerprint of the supervisor alert of its anomaly: `signature:<kind>:<subject>`.
        public var alertFingerprint: String { "signature:\(kind.rawValue):\(subject)" }

        /// The subject an alert fingerprint names; nil for a fingerprint that is not a signature's.
        public init?(alertFingerprint: String) {
            let parts = alertFingerprint.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "signature", let kind = SystemSubjectKind(rawValue: String(parts[1])), !parts[2].isEmpty else { return nil }
            self.init(kind: kind, subject: String(parts[2]))
        }
    }

    /// A subject out of its signature.
    public struct OpenAnomaly: Sendable, Hashable {
        public let key: Key
        /// The first anomalous window's start.
        public let since: Timestamp
        /// The end of the newest window that showed it.
        public var lastEvidence: Timestamp
        /// The newest anomalous window's findings (empty for one restored from its alert until a window shows it again).
        public var findings: [SignatureAnomalyRule.Finding]
        /// What it is about, and the share of failed or slow operations last seen (nil when restored).
        public var shares: [SignatureAnomalyRule.FindingKind: Double?]
        /// The newest anomalous window's slot.
        public var slot: SystemSignature.Slot
        /// Windows held aside to learn when it resolves (anomalous only against a coarser reference).
        var pending: [SystemSignature.Slot: SystemSignatureCell] = [:]
        /// Whether it has lasted long enough to be the new normal (and the old signature was discounted).
        var matured = false

        /// An anomaly as a window showed it.
        init(key: Key, since: Timestamp, lastEvidence: Timestamp, findings: [SignatureAnomalyRule.Finding], slot: SystemSignature.Slot) {
            self.key = key
            self.since = since
            self.lastEvidence = lastEvidence
            self.findings = findings
            shares = Dictionary(findings.map { ($0.kind, Optional($0.observedShare)) }, uniquingKeysWith: { first, _ in first })
            self.slot = slot
        }

        /// An anomaly read back from its open alert after a restart.
        public init(key: Key, since: Timestamp, lastEvidence: Timestamp, kinds: Set<SignatureAnomalyRule.FindingKind>) {
            self.key = key
            self.since = since
            self.lastEvidence = lastEvidence
            findings = []
            shares = Dictionary(uniqueKeysWithValues: kinds.map { ($0, Double?.none) })
            slot = SystemSignature.Slot(hour: 0, load: 0)
        }

        /// Takes a newer anomalous window's findings.
        mutating func update(findings: [SignatureAnomalyRule.Finding], slot: SystemSignature.Slot, evidence: Timestamp) {
            self.findings = findings
            for finding in findings { shares[finding.kind] = finding.observedShare }
            self.slot = slot
            lastEvidence = evidence
        }
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
    /// What remains of a subject's own signature when an anomaly of it has lasted a day.
    public var maturedDiscount = 0.1
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

    /// Takes back the anomalies this observer had open before a restart, so that they go on (not
    /// resolved and raised again) and keep their age.
    public mutating func restore(_ anomalies: [OpenAnomaly]) {
        for anomaly in anomalies where open[anomaly.key] == nil { open[anomaly.key] = anomaly }
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
        func learn(_ key: Key, _ cell: SystemSignatureCell, at slot: SystemSignature.Slot, end: Timestamp) {
            let previous = own[key]?[slot]
            var learned = previous.map { $0.cell(agedTo: end, halfLifeMilliseconds: halfLifeMilliseconds) } ?? SystemSignatureCell()
            learned.add(cell)
            own[key, default: [:]][slot] = StoredSignatureCell(kind: key.kind, subject: key.subject, observer: observer, slot: slot, cell: learned,
                                                               updatedAt: max(end, previous?.updatedAt ?? end))
            changed[key, default: []].insert(slot)
        }
        for window in windows.sorted(by: { ($0.start, $0.kind, $0.subject) < ($1.start, $1.kind, $1.subject) }) {
            report.windows += 1
            let key = Key(kind: window.kind, subject: window.subject)
            let slot = window.slot
            // An anomaly open a day is the new normal: the old signature steps back, its windows are learned from then on.
            let mature = open[key].map { window.start.millisecondsSinceEpoch - $0.since.millisecondsSinceEpoch >= learnAnomaliesAfterMilliseconds } ?? false
            if mature, var anomaly = open[key], !anomaly.matured {
                for (ownSlot, stored) in own[key, default: [:]] {
                    own[key]?[ownSlot] = StoredSignatureCell(kind: key.kind, subject: key.subject, observer: observer, slot: ownSlot,
                                                             cell: stored.cell.scaled(by: maturedDiscount), updatedAt: stored.updatedAt)
                    changed[key, default: []].insert(ownSlot)
                }
                for (pendingSlot, cell) in anomaly.pending { learn(key, cell, at: pendingSlot, end: window.start) }
                anomaly.pending = [:]
                anomaly.matured = true
                open[key] = anomaly
            }
            let reference = signature(key, at: window.start)
            switch rule.verdict(window: window.cell, slot: slot, signature: reference) {
            case .insufficient:
                report.insufficient += 1
                if open[key] == nil || mature { learn(key, window.cell, at: slot, end: window.end) }
            case .normal:
                report.normal += 1
                guard var anomaly = open[key] else {
                    learn(key, window.cell, at: slot, end: window.end)
                    break
                }
                let elevated = rule.elevated(window: window.cell, slot: slot, signature: reference)
                // Power: at the share it showed, the fault would have given this window minimumEvents events.
                let powerful = anomaly.shares.allSatisfy { _, share in
                    window.cell.weight * (share ?? 1) >= Double(rule.minimumEvents)
                }
                if elevated.isDisjoint(with: anomaly.shares.keys) && powerful {
                    open.removeValue(forKey: key)
                    report.resolved.append((key, "a window of \(Int(window.cell.weight)) operations from \(window.start.iso8601) is within its signature again"))
                    for (pendingSlot, cell) in anomaly.pending { learn(key, cell, at: pendingSlot, end: window.start) }
                    learn(key, window.cell, at: slot, end: window.end)
                } else {
                    if !elevated.isDisjoint(with: anomaly.shares.keys) {
                        // Still elevated, if not provably: the anomaly goes on, and so does its evidence.
                        anomaly.lastEvidence = window.end
                        open[key] = anomaly
                    }
                    if mature { learn(key, window.cell, at: slot, end: window.end) }
                }
            case .anomalous(let findings):
                let againstOwnSlot = findings.contains { $0.basis == .hourAndLoad }
                if var anomaly = open[key] {
                    anomaly.update(findings: findings, slot: slot, evidence: window.end)
                    if mature {
                        learn(key, window.cell, at: slot, end: window.end)
                    } else if !againstOwnSlot {
                        anomaly.pending[slot, default: SystemSignatureCell()].add(window.cell)
                    }
                    open[key] = anomaly
                } else {
                    var anomaly = OpenAnomaly(key: key, since: window.start, lastEvidence: window.end, findings: findings, slot: slot)
                    if !againstOwnSlot { anomaly.pending[slot] = window.cell }
                    open[key] = anomaly
                    report.opened.append(anomaly)
                }
            }
        }
        for (key, anomaly) in open where now.millisecondsSinceEpoch - anomaly.lastEvidence.millisecondsSinceEpoch >= quietMilliseconds {
            open.removeValue(forKey: key)
            report.resolved.append((key, "no window with enough operations to judge since \(anomaly.lastEvidence.iso8601)"))
        }
        report.changed = changed.sorted { $0.key < $1.key }.flatMap { key, slots in slots.sorted().compactMap { own[key]?[$0] } }
        return report
    }
}
