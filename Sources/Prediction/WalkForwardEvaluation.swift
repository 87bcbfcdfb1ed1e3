import Foundation
import QuantMath
import TradingCore

/// Walk-forward (out-of-sample) evaluation of the forecast models against their baselines.
///
/// Folds: the test period is cut into `folds` consecutive blocks after an initial training span.
/// For a test block starting at bar T₀, models are trained on samples i with i + h ≤ T₀ (every
/// training label ends by T₀, a purge gap of h bars between the last training sample and the first
/// test sample), on all of them (expanding) or the newest `trainingWindow` (rolling). GARCH is
/// refitted per fold on the training returns (at most 5,000). Test samples are every bar of the
/// block whose label is known.
///
/// Metrics per horizon: directional accuracy, Brier score and log loss of the logistic model and of
/// the climatological probability; MAE of ridge versus the historical-mean return; QLIKE
/// (log σ² + r²/σ²) and MSE of the variance of GARCH versus EWMA; a 10-bin calibration table; the
/// number of test points; and for each pair a 95 % interval of the mean loss difference (model −
/// baseline) by a circular block bootstrap (block = h bars, 1,000 resamples, seed 7). A model
/// "beats" its baseline only when the whole interval is below zero.
public struct WalkForwardEvaluation: Sendable {
    /// One model-versus-baseline comparison.
    public struct Comparison: Sendable {
        public let metric: String
        public let model: String
        public let baseline: String
        public let modelLoss: Double
        public let baselineLoss: Double
        /// 95 % bootstrap interval of mean(model loss − baseline loss).
        public let differenceLow: Double
        public let differenceHigh: Double
        /// Whether the interval lies wholly below zero.
        public var modelBeatsBaseline: Bool { differenceHigh < 0 }
    }

    /// One row of the calibration table.
    public struct CalibrationBin: Sendable {
        public let lower: Double
        public let upper: Double
        public let count: Int
        public let meanPredicted: Double
        public let observedFrequency: Double
    }

    /// The report for one horizon.
    public struct HorizonReport: Sendable {
        public let horizon: Horizon
        public let testPoints: Int
        public let directionalAccuracy: Double
        public let baselineDirectionalAccuracy: Double
        public let comparisons: [Comparison]
        public let calibration: [CalibrationBin]
    }

    /// Settings.
    public var folds: Int
    public var trainingWindow: Int?
    public var forecaster: Forecaster

    /// Creates an evaluation.
    public init(folds: Int = 5, trainingWindow: Int? = nil, reference: BarSeries? = nil) {
        self.folds = folds
        self.trainingWindow = trainingWindow
        forecaster = Forecaster(trainingWindow: trainingWindow)
        forecaster.reference = reference
    }

    /// Runs the evaluation over the whole series.
    public func run(_ series: BarSeries, horizons: [Horizon]) throws(PredictionError) -> [HorizonReport] {
        let rows = Forecaster.featureRows(series, reference: forecaster.reference)
        let closes = Array(series.asOf(series.lastCloseTime ?? Timestamp(millisecondsSinceEpoch: 0)).closes)
        let returns = zip(closes.dropFirst(), closes).map { log($0 / $1) }
        guard rows.count >= 600 else { throw .insufficientData(needed: 600 + Features.requiredBars, available: series.count, purpose: "a walk-forward evaluation") }
        let firstTest = rows[rows.count / 2].index
        let lastIndex = series.count - 1
        let blockSize = max((lastIndex - firstTest + 1) / max(folds, 1), 1)
        var reports: [HorizonReport] = []
        for horizon in horizons {
            let bars = try horizon.bars(of: series.timeframe)
            var probability: [Double] = [], climatology: [Double] = [], outcomes: [Double] = []
            var ridgeErrors: [Double] = [], meanErrors: [Double] = []
            var garchVariances: [Double] = [], ewmaVariances: [Double] = [], realisedSquares: [Double] = []
            var foldStart = firstTest
            while foldStart + bars <= lastIndex {
                let foldEnd = min(foldStart + blockSize, lastIndex - bars + 1)
                let models = try forecaster.train(rows: rows.filter { $0.index < foldStart }, closes: closes, bars: bars, lastVisible: foldStart)
                let trainingReturns = Array(returns[..<foldStart].suffix(forecaster.garchWindow))
                let garch = try? GARCHModel.fit(trainingReturns.map { $0 * 100 })
                var ewma = Forecaster.ewmaVariances(trainingReturns).next
                // Bring the GARCH and EWMA recursions forward through the test block bar by bar
                // with the fold's fixed parameters (the variance at bar i uses returns up to i only).
                var garchNext = garch?.nextVariance ?? 0
                var returnIndex = foldStart - 1
                for sample in rows where sample.index >= foldStart && sample.index < foldEnd {
                    while returnIndex < sample.index {
                        let r = returns[returnIndex]
                        if let model = garch?.model { garchNext = model.nextVariance(after: r * 100, variance: garchNext) }
                        ewma = Forecaster.nextEWMAVariance(after: r, variance: ewma)
                        returnIndex += 1
                    }
                    let label = log(closes[sample.index + bars] / closes[sample.index])
                    let scaled = models.standardizer.transform(sample.features)
                    let p = models.logistic?.probability(scaled) ?? models.upFrequency
                    probability.append(min(max(p, 1e-12), 1 - 1e-12))
                    climatology.append(min(max(models.upFrequency, 1e-12), 1 - 1e-12))
                    outcomes.append(label > 0 ? 1 : 0)
                    ridgeErrors.append(abs((models.ridge?.predict(scaled) ?? models.meanReturn) - label))
                    meanErrors.append(abs(models.meanReturn - label))
                    let garchVariance = garch.map { $0.model.aggregateVariance(nextVariance: garchNext, steps: bars) / 10_000 } ?? ewma * Double(bars)
                    garchVariances.append(max(garchVariance, 1e-20))
                    ewmaVariances.append(max(ewma * Double(bars), 1e-20))
                    realisedSquares.append(label * label)
                }
                foldStart = foldEnd
            }
            guard outcomes.count >= 30 else { throw .insufficientData(needed: 30, available: outcomes.count, purpose: "test points for horizon \(horizon)") }
            func brier(_ p: [Double]) -> [Double] { zip(p, outcomes).map { ($0 - $1) * ($0 - $1) } }
            func logLoss(_ p: [Double]) -> [Double] { zip(p, outcomes).map { -($1 * log($0) + (1 - $1) * log(1 - $0)) } }
            func qlike(_ v: [Double]) -> [Double] { zip(v, realisedSquares).map { log($0) + $1 / $0 } }
            func squaredError(_ v: [Double]) -> [Double] { zip(v, realisedSquares).map { ($0 - $1) * ($0 - $1) } }
            let comparisons = [
                compare("brier_score", "logistic", "climatology", brier(probability), brier(climatology), block: bars),
                compare("log_loss", "logistic", "climatology", logLoss(probability), logLoss(climatology), block: bars),
                compare("mae_return", "ridge", "historical_mean", ridgeErrors, meanErrors, block: bars),
                compare("qlike_variance", "garch", "ewma", qlike(garchVariances), qlike(ewmaVariances), block: bars),
                compare("mse_variance", "garch", "ewma", squaredError(garchVariances), squaredError(ewmaVariances), block: bars),
            ]
            func accuracy(_ p: [Double]) -> Double {
                Double(zip(p, outcomes).filter { ($0 > 0.5) == ($1 == 1) }.count) / Double(outcomes.count)
            }
            reports.append(HorizonReport(horizon: horizon, testPoints: outcomes.count, directionalAccuracy: accuracy(probability),
                                         baselineDirectionalAccuracy: accuracy(climatology), comparisons: comparisons,
                                         calibration: calibration(probability, outcomes)))
        }
        return reports
    }

    private func compare(_ metric: String, _ model: String, _ baseline: String, _ modelLosses: [Double], _ baselineLosses: [Double],
                         block: Int) -> Comparison {
        let differences = zip(modelLosses, baselineLosses).map { $0 - $1 }
        let (low, high) = Self.blockBootstrapInterval(differences, block: block, resamples: 1000, seed: 7)
        return Comparison(metric: metric, model: model, baseline: baseline, modelLoss: Statistics.mean(modelLosses),
                          baselineLoss: Statistics.mean(baselineLosses), differenceLow: low, differenceHigh: high)
    }

    /// The 2.5 % and 97.5 % quantiles of the mean over circular block-bootstrap resamples.
    static func blockBootstrapInterval(_ values: [Double], block: Int, resamples: Int, seed: UInt64) -> (Double, Double) {
        let n = values.count, length = max(1, min(block, n))
        var generator = SeededGenerator(seed: seed)
        var means: [Double] = []
        means.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var sum = 0.0, taken = 0
            while taken < n {
                let start = Int(generator.next() % UInt64(n))
                for offset in 0..<min(length, n - taken) { sum += values[(start + offset) % n] }
                taken += min(length, n - taken)
            }
            means.append(sum / Double(n))
        }
        let sorted = means.sorted()
        return (Statistics.quantile(sorted: sorted, 0.025), Statistics.quantile(sorted: sorted, 0.975))
    }

    private func calibration(_ probability: [Double], _ outcomes: [Double]) -> [CalibrationBin] {
        (0..<10).compactMap { bin in
            let lower = Double(bin) / 10, upper = Double(bin + 1) / 10
            let members = probability.indices.filter { probability[$0] >= lower && (probability[$0] < upper || (bin == 9 && probability[$0] <= 1)) }
            guard !members.isEmpty else { return nil }
            return CalibrationBin(lower: lower, upper: upper, count: members.count,
                                  meanPredicted: members.reduce(0) { $0 + probability[$1] } / Double(members.count),
                                  observedFrequency: members.reduce(0) { $0 + outcomes[$1] } / Double(members.count))
        }
    }
}
