import FeedbackLoop
import SecuritySupervisor
import TradingCore
import TradingEngine

extension Representations {
    /// One subject's signature, as read: its cells merged across observers and aged to now.
    public struct SubjectSignature: Sendable {
        public let kind: SystemSubjectKind
        public let subject: String
        public let observers: Int
        public let signature: SystemSignature

        /// The fingerprint of its anomalies' alerts.
        public var alertFingerprint: String { SystemSignatureMonitor.Key(kind: kind, subject: subject).alertFingerprint }
    }

    /// The open alerts of anomalies against the system signatures, by fingerprint (one per process that saw it).
    public static func signatureAnomalies(_ security: any SecurityAlertStore) async throws -> [String: [StoredSecurityAlert]] {
        Dictionary(grouping: try await security.securityAlerts(includeResolved: false, limit: 10_000).filter { $0.source == .signature }, by: \.fingerprint)
    }

    /// Every subject's signature from the stored cells (of one kind when given), aged to `now`,
    /// worst first: the lowest success rate, then the slowest p99, then by kind and subject.
    public static func subjectSignatures(_ cells: [StoredSignatureCell], now: Timestamp, halfLifeDays: Int) -> [SubjectSignature] {
        var signatures: [SystemSignatureMonitor.Key: SystemSignature] = [:]
        var observers: [SystemSignatureMonitor.Key: Set<String>] = [:]
        let halfLife = Int64(halfLifeDays) * 86_400_000
        for cell in cells {
            let key = SystemSignatureMonitor.Key(kind: cell.kind, subject: cell.subject)
            signatures[key, default: SystemSignature()].add(cell.cell(agedTo: now, halfLifeMilliseconds: halfLife), at: cell.slot)
            observers[key, default: []].insert(cell.observer)
        }
        let subjects = signatures.map { SubjectSignature(kind: $0.key.kind, subject: $0.key.subject, observers: observers[$0.key]?.count ?? 0, signature: $0.value) }
        return subjects.sorted { lhs, rhs in
            let left = lhs.signature.overall, right = rhs.signature.overall
            let leftSuccess = left.successRate ?? 1, rightSuccess = right.successRate ?? 1
            if leftSuccess != rightSuccess { return leftSuccess < rightSuccess }
            let leftP99 = left.latency.quantileMilliseconds(0.99) ?? 0, rightP99 = right.latency.quantileMilliseconds(0.99) ?? 0
            if leftP99 != rightP99 { return leftP99 > rightP99 }
            return (lhs.kind, lhs.subject) < (rhs.kind, rhs.subject)
        }
    }

    /// The figures of a cell: operations (aged), success rate and latency percentiles.
    static func signatureFigures(_ cell: SystemSignatureCell) -> [(String, JSONValue)] {
        [
            ("operations", .number(cell.weight)),
            ("success_rate", cell.successRate.map(JSONValue.number) ?? .null),
            ("p50_ms", cell.latency.quantileMilliseconds(0.5).map(JSONValue.number) ?? .null),
            ("p95_ms", cell.latency.quantileMilliseconds(0.95).map(JSONValue.number) ?? .null),
            ("p99_ms", cell.latency.quantileMilliseconds(0.99).map(JSONValue.number) ?? .null),
        ]
    }

    /// One subject's signature with the open alerts of its anomalies.
    public static func subjectSignature(_ subject: SubjectSignature, anomalies: [StoredSecurityAlert]) -> JSONValue {
        let byHour = subject.signature.byHour.sorted { $0.key < $1.key }.map { hour, cell -> JSONValue in
            .object([("hour", .int(hour))] + signatureFigures(cell))
        }
        let byLoad = subject.signature.byLoad.sorted { $0.key < $1.key }.map { level, cell -> JSONValue in
            let range = SystemSignature.loadRange(level: level)
            return .object([("level", .int(level)), ("operations_per_minute_from", .number(range.from)), ("operations_per_minute_to", .number(range.to))]
                           + signatureFigures(cell))
        }
        return .object([("kind", .string(subject.kind.rawValue)), ("subject", .string(subject.subject)), ("observers", .int(subject.observers))]
                       + signatureFigures(subject.signature.overall)
                       + [("by_hour", .array(byHour)), ("by_load", .array(byLoad)),
                          ("anomalies", .array(anomalies.map { alert in
                              ["level": .string(alert.level.rawValue), "title": .string(alert.title), "message": .string(alert.message),
                               "since": .string(alert.firstSeen.iso8601), "host": .string(alert.host), "role": .string(alert.role)]
                          }))])
    }

    /// The document of `GET /api/v1/feedback/signatures` and `orchestrator feedback signatures`.
    public static func systemSignatures(_ store: any SystemSignatureStore, security: any SecurityAlertStore, kind: SystemSubjectKind?, limit: Int,
                                        now: Timestamp, halfLifeDays: Int) async throws -> JSONValue {
        let subjects = subjectSignatures(try await store.systemSignatureCells(kind: kind), now: now, halfLifeDays: halfLifeDays)
        let anomalies = try await signatureAnomalies(security)
        return [
            "generated_at": .string(now.iso8601),
            "half_life_days": .int(halfLifeDays),
            "subjects": .int(subjects.count),
            "signatures": .array(subjects.prefix(limit).map { subject in
                subjectSignature(subject, anomalies: anomalies[subject.alertFingerprint] ?? [])
            }),
        ]
    }
}
