import FeedbackLoop
import Testing
import TradingCore

@Suite("Adaptation score: each threshold change judged on the outcomes after it, promotions on their shadow gain")
struct AdaptationScoreTests {
    typealias Outcome = (horizon: String, regime: String, dataTime: Timestamp, probabilityUp: Double, realisedLogReturn: Double)

    static func time(_ milliseconds: Int64) -> Timestamp { Timestamp(millisecondsSinceEpoch: milliseconds) }

    static func threshold(_ subject: String, at milliseconds: Int64, from before: Double?, to after: Double) -> LearningSignal {
        var evidence = ["threshold_after": after]
        evidence["threshold_before"] = before
        return LearningSignal(kind: .optimization, subject: "threshold \(subject)", rule: "tuner", message: "", evidence: evidence, time: time(milliseconds))
    }

    static func promotion(_ improvement: Double, at milliseconds: Int64) -> LearningSignal {
        LearningSignal(kind: .adaptation, subject: "model", rule: "promotion", message: "", evidence: ["improvement_mean": improvement], time: time(milliseconds))
    }

    static let signals = [
        threshold("4h", at: 1000, from: 0.0, to: 0.1),
        threshold("4h", at: 3000, from: 0.1, to: 0.01),
        threshold("1h@BULL", at: 1000, from: 0.0, to: 0.2),
        threshold("5m", at: 1000, from: 0.0, to: 0.1),       // no 5m outcome after it: not measured
        threshold("24h", at: 1000, from: nil, to: 0.1),      // no threshold before: not measured
        promotion(0.02, at: 2000), promotion(0.04, at: 4000),
    ]

    /// Newest first, as the store reads them.
    static let outcomes: [Outcome] = [
        ("4h", "BULL", time(4000), 0.6, -0.005),    // second 4h change
        ("4h", "BULL", time(3500), 0.52, 0.01),     // second 4h change
        ("4h", "BULL", time(3000), 0.3, -0.02),     // first 4h change: its next change's time is in its span
        ("4h", "BEAR", time(2000), 0.55, -0.01),    // first 4h change, any regime
        ("1h", "BULL", time(2000), 0.8, 0.03),      // the 1h@BULL change
        ("1h", "BEAR", time(2000), 0.9, 0.05),      // another regime: no change covers it
        ("4h", "BULL", time(1500), 0.65, 0.02),     // first 4h change
        ("1h", "BULL", time(900), 0.8, 0.03),       // before every change
        ("4h", "BULL", time(500), 0.7, 0.01),       // before every change
    ]

    @Test("gains are the objective after less before, over the outcomes between a change and the subject's next, less a 10 bp cost each")
    func measuredByHand() {
        let score = AdaptationScore.measure(signals: Self.signals, outcomes: Self.outcomes)
        // First 4h change: at 0.0 all three (0.019, -0.011, 0.019) → 0.009; at 0.1 the two confident ones → 0.019.
        // Second 4h change: at 0.1 only P 0.6 (-0.006); at 0.01 also P 0.52 (0.009) → 0.0015.
        // 1h@BULL: one outcome, confident enough at both thresholds (0.029 each).
        let gains = [0.019 - 0.009, 0.0015 - -0.006, 0.0]
        #expect(score.thresholdChangesMeasured == 3)
        #expect(abs(score.thresholdGainPerDecision! - gains.reduce(0, +) / 3) < 1e-12)
        #expect(score.promotions == 2)
        #expect(abs(score.modelGainNats! - 0.03) < 1e-12)
    }

    @Test("without a change followed by outcomes, or a promotion, nothing is measured", arguments: [[], [AdaptationScoreTests.threshold("4h", at: 9000, from: 0.0, to: 0.1)]])
    func nothingToMeasure(signals: [LearningSignal]) {
        let score = AdaptationScore.measure(signals: signals, outcomes: Self.outcomes)
        #expect(score.thresholdChangesMeasured == 0 && score.thresholdGainPerDecision == nil)
        #expect(score.promotions == 0 && score.modelGainNats == nil)
    }

    @Test("outcomes added one at a time, in the store's order, score as the whole list does")
    func addedOneAtATime() {
        var measurement = AdaptationScore.Measurement(signals: Self.signals)
        for outcome in Self.outcomes {
            measurement.add(horizon: outcome.horizon, regime: outcome.regime, dataTime: outcome.dataTime,
                            probabilityUp: outcome.probabilityUp, realisedLogReturn: outcome.realisedLogReturn)
        }
        #expect(measurement.score() == AdaptationScore.measure(signals: Self.signals, outcomes: Self.outcomes))
    }
}
