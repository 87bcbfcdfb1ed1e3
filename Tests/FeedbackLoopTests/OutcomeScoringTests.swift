import FeedbackLoop
import Foundation
import Testing
import TestSupport

@Suite("Outcome scoring, tracking, thresholds and promotion")
struct OutcomeScoringTests {
    static let claim = ForecastClaim(expectedLogReturn: 0.01, probabilityUp: 0.6, volatility: 0.02, intervalLow: 0.01 - 1.2816 * 0.02,
                                     intervalHigh: 0.01 + 1.2816 * 0.02)

    @Test("the verdict follows the side of P(up) against the realised sign; without a side, the interval decides", arguments: [
        (0.6, 0.005, LearningSignal.Kind.success),
        (0.6, -0.005, .failure),
        (0.6, 0.0, .failure),
        (0.4, 0.0, .success),
        (0.4, -0.2, .success),
        (0.5, 0.01, .success),
        (0.5, 0.2, .failure),
    ])
    func verdict(probabilityUp: Double, realised: Double, expected: LearningSignal.Kind) {
        let claim = ForecastClaim(expectedLogReturn: 0.01, probabilityUp: probabilityUp, volatility: 0.02, intervalLow: -0.0156, intervalHigh: 0.0356)
        #expect(ForecastOutcome(claim: claim, realisedLogReturn: realised).verdict == expected)
    }

    @Test("an outcome carries every score of the forecast")
    func scores() {
        let outcome = ForecastOutcome(claim: Self.claim, realisedLogReturn: 0.03)
        #expect(outcome.directionHit && outcome.intervalHit)
        #expect(agrees(outcome.brier, 0.16, relative: 1e-12))
        #expect(agrees(outcome.logLoss, -log(0.6), relative: 1e-12))
        #expect(agrees(outcome.squaredError, 0.0004, relative: 1e-9))
        #expect(agrees(outcome.logScore, -ProbabilityScores.gaussianLogDensity(0.03, mean: 0.01, standardDeviation: 0.02), relative: 1e-12))
        #expect(ForecastOutcome.logReturn(from: "100", to: "110") == log(1.1))
        #expect(ForecastOutcome.logReturn(from: "0", to: "110") == nil)
        #expect(ForecastOutcome.logReturn(from: "abc", to: "110") == nil)
    }

    @Test("the tracker keeps the newest window per key and the signatures' success rates")
    func tracker() throws {
        var tracker = PerformanceTracker(window: 3)
        let key = PerformanceTracker.Key(model: "m", horizon: "1h", symbol: "BTC-USD", regime: "BULL")
        let bull = MarketSignature(regime: "BULL", volatility: "HIGH", trend: "TREND")
        for realised in [-0.01, -0.01, 0.01, 0.01, 0.01] {
            tracker.record(ForecastOutcome(claim: Self.claim, realisedLogReturn: realised), probabilityUp: 0.6, key: key, signature: bull)
        }
        let summary = try #require(tracker.summary(key))
        #expect(summary.count == 3 && summary.totalCount == 5)
        #expect(summary.accuracy == 1)
        #expect(agrees(summary.brier, 0.16, relative: 1e-9))
        #expect(summary.calibration.count == 1 && summary.calibration[0].count == 3 && summary.calibration[0].observedFrequency == 1)
        let record = try #require(tracker.signatureRecords().first)
        #expect(record.count == 5 && agrees(record.successRate, 0.6, relative: 1e-12))
    }

    @Test("the market signature reads only closes up to the data time")
    func signature() {
        let rising = (0..<300).map { 100 * exp(0.01 * Double($0) + 0.002 * sin(Double($0))) }
        let signature = MarketSignature(closes: rising[...])
        #expect(signature.regime == "BULL" && signature.trend == "TREND")
        #expect(MarketSignature(closes: rising.prefix(100)) == .unknown)
    }

    /// Outcomes where confident forecasts are right and unconfident ones are noise.
    static func outcomes() -> [(probabilityUp: Double, realisedLogReturn: Double)] {
        (0..<400).map { index in
            let confident = index % 4 == 0
            let probability = confident ? (index % 8 == 0 ? 0.7 : 0.3) : (index % 3 == 0 ? 0.52 : 0.48)
            let realised = confident ? (probability > 0.5 ? 0.004 : -0.004) : (index % 2 == 0 ? 0.003 : -0.003)
            return (probability, realised)
        }
    }

    @Test("the tuner raises the threshold to where decisions pay after costs, and reports both objectives")
    func tunerMoves() throws {
        let decision = ConfidenceThresholdTuner().tune(current: 0, outcomes: Self.outcomes())
        #expect(decision.changed)
        #expect(decision.after > 0.02 && decision.after <= 0.2)
        #expect(try #require(decision.objectiveAfter) > (try #require(decision.objectiveBefore)))
        #expect(decision.decisionsAfter == 100)
    }

    @Test("hysteresis: a gain smaller than the margin does not move the threshold, and bounds hold")
    func tunerHolds() {
        var tuner = ConfidenceThresholdTuner()
        tuner.hysteresis = 1
        let held = tuner.tune(current: 0, outcomes: Self.outcomes())
        #expect(!held.changed && held.after == 0)
        tuner = ConfidenceThresholdTuner()
        tuner.highest = 0.1
        let bounded = tuner.tune(current: 0, outcomes: Self.outcomes())
        #expect(bounded.after <= 0.1)
        #expect(ConfidenceThresholdTuner().tune(current: 0.05, outcomes: Array(Self.outcomes().prefix(10))).changed == false)
    }

    @Test("promotion needs the margin, enough pairs and an interval above zero", arguments: [
        (0.05, 200, true),
        (0.005, 200, false),
        (0.05, 50, false),
        (0.0, 200, false),
    ])
    func promotion(shift: Double, pairs: Int, promoted: Bool) {
        let champion = (0..<pairs).map { 1.0 + 0.01 * sin(Double($0)) }
        let challenger = champion.enumerated().map { $0.element - shift + 0.002 * cos(Double($0.offset) * 1.7) }
        let verdict = PromotionRule().evaluate(championLosses: champion, challengerLosses: challenger, blockLength: 4)
        #expect(verdict.promote == promoted, "\(verdict.reason)")
        #expect(verdict.pairs == pairs)
    }
}
