import Foundation
import QuantMath

/// Judges one window of a subject against its signature: are there more failures, or more slow
/// operations, than the signature makes plausible?
///
/// Each test is a one-sided binomial test. Failures: k failed of n against the reference's error
/// rate. Latency: the reference's "slow" boundary is the first bucket above which at most
/// `slowShare` of its operations lie; k of the window's n lie above it, against the reference's
/// share above it. A finding needs all three: a p-value below `significance` (one in a million:
/// dozens of subjects are judged every few minutes), at least `minimumEvents` events, and a share
/// at least `minimumRatio` times the expected one (with thousands of operations a window, a
/// trivial shift is significant, and a person should not be woken for it). Both rates are taken
/// with half an event added (Jeffreys' prior), so a reference that never failed still expects some.
public struct SignatureAnomalyRule: Sendable, Hashable {
    /// A finding's p-value must be below this.
    public var significance: Double = 1e-6
    /// A finding needs at least this many failed or slow operations in the window.
    public var minimumEvents = 5
    /// A finding's share must be at least this multiple of the expected share.
    public var minimumRatio: Double = 2
    /// The reference's share of operations counted slow.
    public var slowShare: Double = 0.05
    /// "Slow" starts at 1 ms at the least, and is expected of at least a fifth of `slowShare` of the
    /// operations: a route that answers in 50 µs is not slow at 200 µs, and a bucket that happens to
    /// hold nearly the whole reference must not make a few scheduler hiccups look impossible.
    public var minimumSlowMilliseconds: Double = 1
    /// A reference needs this much weight (operations, aged) to judge anything.
    public var minimumReferenceWeight: Double = 200
    /// A window needs this many operations for a verdict (fewer say nothing either way).
    public var minimumWindowOperations = 20

    /// Creates the rule with its defaults.
    public init() {}

    /// What a finding is about.
    public enum FindingKind: String, Sendable, Hashable, Comparable {
        case errors
        case latency

        public static func < (lhs: FindingKind, rhs: FindingKind) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// A window that departs from its signature.
    public struct Finding: Sendable, Hashable {
        /// Failures or latency.
        public let kind: FindingKind
        /// The window's operations.
        public let operations: Int
        /// Its failed (errors) or slow (latency) operations.
        public let events: Int
        /// events / operations.
        public let observedShare: Double
        /// The share the reference expects.
        public let expectedShare: Double
        /// ln of the binomial p-value.
        public let logPValue: Double
        /// For latency: the boundary beyond which an operation counts slow, in milliseconds.
        public let slowerThanMilliseconds: Double?
        /// The window's and the reference's 95th percentiles, in milliseconds.
        public let windowP95Milliseconds: Double?
        public let referenceP95Milliseconds: Double?
        /// What the window was compared with.
        public let basis: SystemSignature.Basis

        /// One line for an alert or a log.
        public var summary: String {
            let p = logPValue < log(1e-300) ? "p < 1e-300" : "p = \(String(format: "%.1e", exp(logPValue)))"
            switch kind {
            case .errors:
                return "\(events) of \(operations) failed (\(Self.percent(observedShare)) against \(Self.percent(expectedShare)) in its signature, \(p))"
            case .latency:
                return "\(events) of \(operations) slower than \(Self.milliseconds(slowerThanMilliseconds)) (\(Self.percent(observedShare)) against \(Self.percent(expectedShare)) in its signature, \(p)); p95 \(Self.milliseconds(windowP95Milliseconds)) against \(Self.milliseconds(referenceP95Milliseconds))"
            }
        }

        static func percent(_ share: Double) -> String { String(format: "%.2f %%", share * 100) }
        static func milliseconds(_ value: Double?) -> String { value.map { String(format: "%.3g ms", $0) } ?? "n/a" }
    }

    /// A window's verdict.
    public enum Verdict: Sendable, Hashable {
        /// Too few operations in the window, or too little signature yet: nothing either way.
        case insufficient
        /// Within its signature.
        case normal(SystemSignature.Basis)
        /// Departs from it, one finding per test that fired.
        case anomalous([Finding])
    }

    /// Judges `window` (a fresh window: whole operations) in `slot` against `signature`.
    public func verdict(window: SystemSignatureCell, slot: SystemSignature.Slot, signature: SystemSignature) -> Verdict {
        let operations = Int(window.weight.rounded())
        guard operations >= minimumWindowOperations,
              let (reference, basis) = signature.reference(for: slot, minimumWeight: minimumReferenceWeight) else { return .insufficient }
        var findings: [Finding] = []
        let expected = expectations(reference)
        let failed = Int(window.errors.rounded())
        if let finding = test(events: failed, operations: operations, expected: expected.errors) {
            findings.append(Finding(kind: .errors, operations: operations, events: failed, observedShare: Double(failed) / Double(operations),
                                    expectedShare: expected.errors, logPValue: finding, slowerThanMilliseconds: nil, windowP95Milliseconds: nil,
                                    referenceP95Milliseconds: nil, basis: basis))
        }
        if let (boundary, expectedSlow) = expected.slow {
            let slow = Int(window.latency.weight(above: boundary).rounded())
            if let finding = test(events: slow, operations: operations, expected: expectedSlow) {
                findings.append(Finding(kind: .latency, operations: operations, events: slow, observedShare: Double(slow) / Double(operations),
                                        expectedShare: expectedSlow, logPValue: finding,
                                        slowerThanMilliseconds: LatencyHistogram.upperBoundsMilliseconds[boundary],
                                        windowP95Milliseconds: window.latency.quantileMilliseconds(0.95),
                                        referenceP95Milliseconds: reference.latency.quantileMilliseconds(0.95), basis: basis))
            }
        }
        return findings.isEmpty ? .normal(basis) : .anomalous(findings)
    }

    /// The kinds whose share in `window` is still at least `minimumRatio` times the expected one,
    /// significant or not and however few the events: an open anomaly is not resolved while its
    /// effect lasts (a window too small to prove it again does not prove it gone).
    public func elevated(window: SystemSignatureCell, slot: SystemSignature.Slot, signature: SystemSignature) -> Set<FindingKind> {
        guard let (reference, _) = signature.reference(for: slot, minimumWeight: minimumReferenceWeight) else { return [] }
        let operations = window.weight
        var kinds: Set<FindingKind> = []
        let expected = expectations(reference)
        if window.errors > 0 && window.errors >= minimumRatio * expected.errors * operations { kinds.insert(.errors) }
        if let (boundary, expectedSlow) = expected.slow {
            let slow = window.latency.weight(above: boundary)
            if slow > 0 && slow >= minimumRatio * expectedSlow * operations { kinds.insert(.latency) }
        }
        return kinds
    }

    /// What a reference expects: its failure share, and the bucket beyond which an operation is
    /// slow with the share beyond it (none when every operation is in the overflow bucket), each
    /// with half an event added.
    private func expectations(_ reference: SystemSignatureCell) -> (errors: Double, slow: (boundary: Int, share: Double)?) {
        let errors = (reference.errors + 0.5) / (reference.weight + 1)
        guard let tail = reference.latency.tailBoundary(share: slowShare) else { return (errors, nil) }
        let boundary = max(tail, LatencyHistogram.bucket(milliseconds: minimumSlowMilliseconds))
        guard boundary < LatencyHistogram.bucketCount - 1 else { return (errors, nil) }
        let share = max((reference.latency.weight(above: boundary) + 0.5) / (reference.latency.total + 1), slowShare / 5)
        return (errors, (boundary, share))
    }

    /// ln p when `events` of `operations` against `expected` is a finding; nil otherwise.
    private func test(events: Int, operations: Int, expected: Double) -> Double? {
        guard events >= minimumEvents, Double(events) >= minimumRatio * expected * Double(operations) else { return nil }
        let logP = BinomialDistribution.logUpperTail(atLeast: events, trials: operations, probability: min(expected, 1))
        return logP < log(significance) ? logP : nil
    }
}
