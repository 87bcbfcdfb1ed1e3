import FeedbackLoop
import Foundation
import QuantMath
import Testing
import TestSupport

/// The binomial tails `scripts/reference/signatures.py` computed with scipy.
struct SignatureReference: Decodable {
    struct TailCase: Decodable, CustomTestStringConvertible {
        let n: Int
        let p: Double
        let k: Int
        let upper_tail: Double
        let log_upper_tail: Double?
        var testDescription: String { "n \(n), p \(p), k \(k)" }
    }

    let binomial_upper_tail: [TailCase]

    static let loaded: SignatureReference = {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/FeedbackLoopTests/Fixtures/signature_reference.json")
        return try! JSONDecoder().decode(SignatureReference.self, from: Data(contentsOf: url))
    }()
}

@Suite("System signatures: the binomial tail, the latency histogram and the anomaly rule")
struct SystemSignatureTests {
    @Test("the binomial upper tail is scipy's binom.sf, in log space where scipy's underflows", arguments: SignatureReference.loaded.binomial_upper_tail)
    func binomialUpperTail(_ reference: SignatureReference.TailCase) {
        let logTail = BinomialDistribution.logUpperTail(atLeast: reference.k, trials: reference.n, probability: reference.p)
        let tail = BinomialDistribution.upperTail(atLeast: reference.k, trials: reference.n, probability: reference.p)
        if reference.upper_tail > 1e-290 {
            #expect(abs(tail - reference.upper_tail) <= 1e-9 * reference.upper_tail + 1e-15, "tail \(tail) against \(reference.upper_tail)")
        } else {
            #expect(tail < 1e-280)
        }
        if let expected = reference.log_upper_tail {
            #expect(abs(logTail - expected) <= 1e-9 * max(1, abs(expected)), "ln tail \(logTail) against \(expected)")
        } else if reference.k <= reference.n {
            // scipy's log underflowed (below ln 1e-308); ours keeps a finite value that small.
            #expect(logTail < log(1e-300) && logTail.isFinite)
        } else {
            #expect(logTail == -.infinity)
        }
    }

    @Test("a latency falls in the first bucket whose bound holds it", arguments: [
        (0.0, 0), (0.05, 0), (0.1, 0), (0.1001, 1), (0.1414, 1), (0.1415, 2), (0.2, 2), (1.0, 7), (1.13, 7), (1.2, 8), (100.0, 20), (104_000.0, 40), (200_000.0, 41),
    ])
    func histogramBuckets(milliseconds: Double, bucket: Int) {
        #expect(LatencyHistogram.bucket(milliseconds: milliseconds) == bucket)
    }

    @Test("percentiles read the bound of the bucket the cumulative weight reaches, and the tail boundary leaves at most its share above")
    func histogramPercentiles() {
        var histogram = LatencyHistogram()
        for _ in 0..<90 { histogram.add(milliseconds: 1) }
        for _ in 0..<9 { histogram.add(milliseconds: 10) }
        histogram.add(milliseconds: 1_000)
        #expect(histogram.quantileMilliseconds(0.5) == LatencyHistogram.upperBoundsMilliseconds[7])
        #expect(histogram.quantileMilliseconds(0.95) == LatencyHistogram.upperBoundsMilliseconds[LatencyHistogram.bucket(milliseconds: 10)])
        #expect(histogram.quantileMilliseconds(0.999) == LatencyHistogram.upperBoundsMilliseconds[LatencyHistogram.bucket(milliseconds: 1_000)])
        let boundary = try! #require(histogram.tailBoundary(share: 0.05))
        #expect(boundary == LatencyHistogram.bucket(milliseconds: 10))
        #expect(histogram.weight(above: boundary) == 1)
        #expect(LatencyHistogram().quantileMilliseconds(0.5) == nil)
    }

    @Test("a histogram survives its stored text, weights and all")
    func histogramText() throws {
        var histogram = LatencyHistogram()
        histogram.add(milliseconds: 0.3, weight: 2.5)
        histogram.add(milliseconds: 70_000, weight: 1e-7)
        histogram.add(milliseconds: 1e9)
        #expect(LatencyHistogram(encoded: histogram.encoded) == histogram)
        #expect(LatencyHistogram(encoded: "") == LatencyHistogram())
    }

    @Test("stored text that is not index:weight pairs of known buckets is refused", arguments: ["x", "3", "3:", "42:1", "-1:1", "3:-1", "3:nan", "3:inf", "1:2:3"])
    func histogramTextRefused(text: String) {
        #expect(LatencyHistogram(encoded: text) == nil)
    }

    @Test("load levels double", arguments: [(0.0, 0), (0.99, 0), (1.0, 1), (1.99, 1), (2.0, 2), (3.0, 2), (4.0, 3), (1_000.0, 10), (1_024.0, 11)])
    func loadLevels(perMinute: Double, level: Int) {
        #expect(SystemSignature.loadLevel(operationsPerMinute: perMinute) == level)
        let range = SystemSignature.loadRange(level: level)
        #expect(range.from <= perMinute && perMinute < range.to)
    }

    /// A reference of `operations` with `errorShare` failed, 95 % at 2 ms and 5 % at 8 ms.
    static func reference(operations: Int = 10_000, errorShare: Double = 0.01) -> SystemSignatureCell {
        var cell = SystemSignatureCell()
        let failures = Int((Double(operations) * errorShare).rounded())
        for index in 0..<operations { cell.add(milliseconds: index % 20 == 0 ? 8 : 2, failed: index < failures) }
        return cell
    }

    /// A window of `operations`, `failed` of them failed and `slow` at `slowMilliseconds`, the rest at 2 ms.
    static func window(operations: Int, failed: Int = 0, slow: Int = 0, slowMilliseconds: Double = 30) -> SystemSignatureCell {
        var cell = SystemSignatureCell()
        for index in 0..<operations { cell.add(milliseconds: index < slow ? slowMilliseconds : 2, failed: index < failed) }
        return cell
    }

    struct RuleCase: CustomTestStringConvertible, Sendable {
        let name: String
        let window: SystemSignatureCell
        let expected: [SignatureAnomalyRule.FindingKind]?
        var testDescription: String { name }
    }

    @Test("a window is judged against its signature", arguments: [
        RuleCase(name: "as usual: 1 % failed, 5 % slow", window: window(operations: 500, failed: 5, slow: 25, slowMilliseconds: 8), expected: []),
        RuleCase(name: "failures ten times the usual", window: window(operations: 500, failed: 50), expected: [.errors]),
        RuleCase(name: "a third of the answers slower than the usual slow ones", window: window(operations: 500, slow: 170), expected: [.latency]),
        RuleCase(name: "both", window: window(operations: 500, failed: 60, slow: 200), expected: [.errors, .latency]),
        RuleCase(name: "twice the usual failures: significant but below the ratio", window: window(operations: 20_000, failed: 390), expected: []),
        RuleCase(name: "four failures of twenty: too few events", window: window(operations: 20, failed: 4), expected: []),
        RuleCase(name: "nineteen operations: no verdict", window: window(operations: 19, failed: 19), expected: nil),
    ])
    func ruleVerdicts(_ testCase: RuleCase) {
        var signature = SystemSignature()
        let slot = SystemSignature.Slot(hour: 10, load: 5)
        signature.add(Self.reference(), at: slot)
        let verdict = SignatureAnomalyRule().verdict(window: testCase.window, slot: slot, signature: signature)
        switch (verdict, testCase.expected) {
        case (.insufficient, nil): break
        case (.normal(let basis), let expected?) where expected.isEmpty: #expect(basis == .hourAndLoad)
        case (.anomalous(let findings), let expected?) where !expected.isEmpty:
            #expect(findings.map(\.kind).sorted() == expected)
            #expect(findings.allSatisfy { $0.logPValue < log(1e-6) && $0.observedShare >= 2 * $0.expectedShare })
        default: Issue.record("\(testCase.name): \(verdict)")
        }
    }

    @Test("a window is compared with its slot, else its hour at a near load, its hour, its load, everything; not at all while too little is known")
    func referenceFallsBack() {
        var signature = SystemSignature()
        signature.add(Self.reference(operations: 150), at: SystemSignature.Slot(hour: 3, load: 4))
        signature.add(Self.reference(operations: 150), at: SystemSignature.Slot(hour: 9, load: 4))
        signature.add(Self.reference(operations: 120), at: SystemSignature.Slot(hour: 9, load: 7))
        let rule = SignatureAnomalyRule()
        func basis(_ hour: Int, _ load: Int) -> SystemSignature.Basis? {
            signature.reference(for: SystemSignature.Slot(hour: hour, load: load), minimumWeight: rule.minimumReferenceWeight)?.basis
        }
        #expect(basis(3, 4) == .load)
        #expect(basis(9, 5) == .hour, "loads 4 and 7 of hour 9: 270 together, 150 one level off")
        #expect(basis(9, 8) == .hour)
        #expect(basis(3, 9) == .all)
        signature.add(Self.reference(operations: 60), at: SystemSignature.Slot(hour: 9, load: 6))
        #expect(basis(9, 5) == .hourAndNearLoad, "loads 4 and 6 of hour 9: 210")
        signature.add(Self.reference(operations: 250), at: SystemSignature.Slot(hour: 3, load: 4))
        #expect(basis(3, 4) == .hourAndLoad)
        #expect(SystemSignature().reference(for: SystemSignature.Slot(hour: 0, load: 0), minimumWeight: 1) == nil)
        #expect(rule.verdict(window: Self.window(operations: 100, failed: 100), slot: SystemSignature.Slot(hour: 0, load: 0), signature: SystemSignature()) == .insufficient)
    }

    @Test("half an event is expected of a signature that never failed: five failures of 20,000 against none of 5,000 are no finding")
    func jeffreysSmoothing() {
        var signature = SystemSignature()
        let slot = SystemSignature.Slot(hour: 1, load: 1)
        signature.add(Self.reference(operations: 5_000, errorShare: 0), at: slot)
        // Unsmoothed, any failure against a share of 0 would have p = 0; smoothed, 5 against about 2 expected is ordinary.
        #expect(SignatureAnomalyRule().verdict(window: Self.window(operations: 20_000, failed: 5), slot: slot, signature: signature) == .normal(.hourAndLoad))
    }

    @Test("a significant burst of fewer than five failures is no finding")
    func minimumEvents() {
        var signature = SystemSignature()
        let slot = SystemSignature.Slot(hour: 1, load: 1)
        signature.add(Self.reference(operations: 100_000, errorShare: 0), at: slot)
        let rule = SignatureAnomalyRule()
        // 4 of 20 against about 5e-6 expected: p ≈ 3e-18, but four events.
        #expect(BinomialDistribution.upperTail(atLeast: 4, trials: 20, probability: 0.5 / 100_001) < rule.significance)
        #expect(rule.verdict(window: Self.window(operations: 20, failed: 4), slot: slot, signature: signature) == .normal(.hourAndLoad))
        guard case .anomalous = rule.verdict(window: Self.window(operations: 20, failed: 5), slot: slot, signature: signature) else {
            Issue.record("five are a finding")
            return
        }
    }

    @Test("a route answering in 50 µs is not slow at 200 µs: slow starts at 1 ms, and is expected of at least 1 % of the answers")
    func fastRoutes() {
        var reference = SystemSignatureCell()
        for _ in 0..<50_000 { reference.add(milliseconds: 0.05, failed: false) }
        var signature = SystemSignature()
        let slot = SystemSignature.Slot(hour: 1, load: 9)
        signature.add(reference, at: slot)
        var hiccups = SystemSignatureCell()
        for index in 0..<30 { hiccups.add(milliseconds: index < 5 ? 0.2 : 0.05, failed: false) }
        #expect(SignatureAnomalyRule().verdict(window: hiccups, slot: slot, signature: signature) == .normal(.hourAndLoad))
        var slow = SystemSignatureCell()
        for index in 0..<300 { slow.add(milliseconds: index < 60 ? 5 : 0.05, failed: false) }
        guard case .anomalous(let findings) = SignatureAnomalyRule().verdict(window: slow, slot: slot, signature: signature) else {
            Issue.record("a fifth of the answers at 5 ms is a finding")
            return
        }
        #expect(findings.first?.slowerThanMilliseconds == LatencyHistogram.upperBoundsMilliseconds[LatencyHistogram.bucket(milliseconds: 1)])
    }

    @Test("a signature that never failed still expects some failures: one failure of 500 is no finding")
    func neverFailedReference() {
        var signature = SystemSignature()
        let slot = SystemSignature.Slot(hour: 1, load: 1)
        signature.add(Self.reference(operations: 5_000, errorShare: 0), at: slot)
        #expect(SignatureAnomalyRule().verdict(window: Self.window(operations: 500, failed: 1), slot: slot, signature: signature) == .normal(.hourAndLoad))
        guard case .anomalous(let findings) = SignatureAnomalyRule().verdict(window: Self.window(operations: 500, failed: 10), slot: slot, signature: signature) else {
            Issue.record("ten failures of 500 against none in 5,000 are a finding")
            return
        }
        #expect(findings.map(\.kind) == [.errors])
    }
}
