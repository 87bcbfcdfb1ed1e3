import Foundation
import QuantMath
import TradingCore

/// Trains the forecast models from point-in-time bars and forecasts every horizon.
///
/// For a horizon of h bars, a training sample is the feature vector of bar i with the label
/// log(c_{i+h}/cᵢ), taken only when bar i + h is visible: a label never reaches past the decision
/// time. Models per horizon: ridge regression (α = 10) for the expected return, L2 logistic
/// regression (C = 0.1) for the up-probability, both on standardised features; GARCH(1,1) on
/// 100 × bar log returns for the volatility, aggregated over h bars. Baselines: zero and historical
/// mean return, climatological up-probability, EWMA (λ = 0.94) variance.
///
/// Each part falls back to its baseline unless it beat the baseline on the newest 20 % of the
/// training samples, held out from a fit on the older 80 % with a gap of h bars between them
/// (MSE for returns, Brier score for direction, QLIKE for variance).
public struct Forecaster: Sendable {
    /// Ridge penalty.
    public var ridgeAlpha = 10.0
    /// Logistic inverse regularisation.
    public var logisticC = 0.1
    /// Use at most this many of the newest samples for training (nil: all).
    public var trainingWindow: Int?
    /// At most this many newest returns feed the GARCH fit.
    public var garchWindow = 5000
    /// A reference series (an index, BTC for altcoins) whose rolling correlation is a feature.
    public var reference: BarSeries?

    /// Creates a forecaster with the documented settings.
    public init(trainingWindow: Int? = nil) {
        self.trainingWindow = trainingWindow
    }

    /// Names the forecasting code and settings; stored with every forecast so a score is tied to
    /// the model that made it. Change it whenever features, models or settings change.
    public static let modelVersion = "forecaster-1 (features v1; ridge alpha 10; logistic C 0.1; GARCH(1,1); EWMA 0.94)"

    /// The EWMA decay of the volatility baseline.
    public static let ewmaDecay = 0.94
    /// z for the 80 % interval.
    public static let interval80 = 1.2815515655446004

    /// Feature vectors of every bar that has enough history, computed bar by bar from
    /// `series.asOf(close of bar i)` so each row sees only its past.
    public static func featureRows(_ series: BarSeries, through last: Int? = nil, reference: BarSeries? = nil) -> [(index: Int, features: [Double])] {
        featureRows(series, from: 0, through: last ?? (series.count - 1), reference: reference)
    }

    /// The feature rows of bars `first...end` (those with enough history).
    public static func featureRows(_ series: BarSeries, from first: Int, through end: Int, reference: BarSeries?) -> [(index: Int, features: [Double])] {
        let start = max(first, Features.requiredBars - 1)
        guard end >= start else { return [] }
        var rows: [(Int, [Double])] = []
        rows.reserveCapacity(end - start + 1)
        for index in start...end {
            let time = series.closeTime(ofBar: index)
            if let vector = try? Features.vector(series.asOf(time), reference: reference?.asOf(time)) { rows.append((index, vector)) }
        }
        return rows
    }

    /// The models for one horizon, and which part beat its baseline on held-out data.
    struct HorizonModels {
        let bars: Int
        let standardizer: Standardizer
        let ridge: RidgeRegression?
        let logistic: LogisticRegression?
        let meanReturn: Double
        let upFrequency: Double
        let useRidge: Bool
        let useLogistic: Bool
    }

    /// Forecasts every horizon at `time` from the bars closed by then (fits, then forecasts).
    public func forecast(_ series: BarSeries, at time: Timestamp, horizons: [Horizon]) throws(PredictionError) -> [Forecast] {
        try fit(series, at: time, horizons: horizons).forecast(series, at: time)
    }

    /// Feature rows kept between fits on a growing series: a row sees only its own past, so it
    /// never changes once computed, and a refit only computes the rows of the bars since the last one.
    public struct FeatureRowCache: Sendable {
        var firstOpenTime: Int64?
        var rows: [(index: Int, features: [Double])] = []
        var computedThrough = -1

        /// An empty cache.
        public init() {}
    }

    /// Fits every horizon's models on the bars closed by `time`.
    public func fit(_ series: BarSeries, at time: Timestamp, horizons: [Horizon]) throws(PredictionError) -> FittedModels {
        var cache = FeatureRowCache()
        return try fit(series, at: time, horizons: horizons, cache: &cache)
    }

    /// Fits as `fit(_:at:horizons:)`, taking the feature rows from `cache` and adding the new
    /// ones to it (the cache restarts when the series starts elsewhere or a reference is used).
    /// Each of `additionalHorizons` is fitted too once its labels have enough visible samples, and
    /// left out until then (a 24-hour horizon on minute bars needs a day and more of history).
    public func fit(_ series: BarSeries, at time: Timestamp, horizons: [Horizon], additionalHorizons: [Horizon] = [],
                    cache: inout FeatureRowCache) throws(PredictionError) -> FittedModels {
        let visible = series.asOf(time)
        guard let dataTime = visible.dataTime else { throw .insufficientData(needed: Features.requiredBars, available: 0, purpose: "a forecast") }
        let lastIndex = visible.count - 1
        if reference != nil || cache.firstOpenTime != visible.openTimes.first { cache = FeatureRowCache() }
        cache.firstOpenTime = visible.openTimes.first
        if lastIndex > cache.computedThrough {
            cache.rows += Self.featureRows(series, from: cache.computedThrough + 1, through: lastIndex, reference: reference)
            cache.computedThrough = lastIndex
        }
        let rows = lastIndex == cache.computedThrough ? cache.rows : cache.rows.filter { $0.index <= lastIndex }
        guard let current = rows.last, current.index == lastIndex else {
            throw .insufficientData(needed: Features.requiredBars, available: visible.count, purpose: "a forecast at \(time.iso8601)")
        }
        let closes = Array(visible.closes)
        let volatility = try volatilityModel(visible.logReturns)
        var perHorizon: [(Horizon, HorizonModels)] = []
        for horizon in horizons {
            let bars = try horizon.bars(of: series.timeframe)
            perHorizon.append((horizon, try train(rows: rows, closes: closes, bars: bars, lastVisible: lastIndex)))
        }
        for horizon in additionalHorizons where !perHorizon.contains(where: { $0.0 == horizon }) {
            let bars = try horizon.bars(of: series.timeframe)
            do {
                perHorizon.append((horizon, try train(rows: rows, closes: closes, bars: bars, lastVisible: lastIndex)))
            } catch .insufficientData {
                continue
            }
        }
        return FittedModels(timeframe: series.timeframe, fittedAt: dataTime, horizons: perHorizon, volatility: volatility, reference: reference)
    }

    /// Models fitted at one time, ready to forecast at that time or later without refitting: the
    /// features of the newest bar are recomputed and the GARCH/EWMA variances are carried forward
    /// through the returns since the fit with the fitted parameters.
    public struct FittedModels: Sendable {
        let timeframe: Timeframe
        /// The close time of the newest bar the fit saw.
        public let fittedAt: Timestamp
        let horizons: [(Horizon, HorizonModels)]
        let volatility: VolatilityModels
        let reference: BarSeries?

        /// The number of horizons fitted.
        public var horizonCount: Int { horizons.count }

        /// The same models with another copy of the reference series for the features of later
        /// decisions (the fit's own copy ends at the fit time); nil drops it, for keeping the models
        /// without the reference's bars. The symbol must be the one the models were fitted with.
        public func replacingReference(_ reference: BarSeries?) -> FittedModels {
            FittedModels(timeframe: timeframe, fittedAt: fittedAt, horizons: horizons, volatility: volatility, reference: reference)
        }

        /// Forecasts at `time` (≥ the fit time) from the bars closed by then.
        public func forecast(_ series: BarSeries, at time: Timestamp) throws(PredictionError) -> [Forecast] {
            guard series.timeframe == timeframe else { throw .invalidBars("the models were fitted on \(timeframe.rawValue) bars, not \(series.timeframe.rawValue)") }
            return try forecast(series.asOf(time))
        }

        /// Forecasts at the view's decision time from the bars it holds; the work is proportional to
        /// the bars since the fit, not to the history (a running session forecasts every bar).
        public func forecast(_ visible: PointInTimeBars) throws(PredictionError) -> [Forecast] {
            let time = visible.decisionTime
            guard visible.timeframe == timeframe else { throw .invalidBars("the models were fitted on \(timeframe.rawValue) bars, not \(visible.timeframe.rawValue)") }
            guard time >= fittedAt else { throw .invalidParameter("cannot forecast at \(time.iso8601), before the fit's data time \(fittedAt.iso8601)") }
            guard let dataTime = visible.dataTime else { throw .insufficientData(needed: Features.requiredBars, available: 0, purpose: "a forecast") }
            let features = try Features.vector(visible, reference: reference?.asOf(time))
            let (ewma, garchNext) = carriedVariances(visible)
            return horizons.map { horizon, models in
                let standardized = models.standardizer.transform(features)
                let expected = models.useRidge ? models.ridge!.predict(standardized) : models.meanReturn
                let probability = models.useLogistic ? models.logistic!.probability(standardized) : models.upFrequency
                let ewmaSigma = (ewma * Double(models.bars)).squareRoot()
                let sigma = volatility.garch.map { ($0.model.aggregateVariance(nextVariance: garchNext, steps: models.bars)).squareRoot() / 100 } ?? ewmaSigma
                return Forecast(
                    horizon: horizon, decisionTime: time, dataTime: dataTime, expectedLogReturn: expected, probabilityUp: probability,
                    volatility: sigma, intervalLow: expected - Forecaster.interval80 * sigma, intervalHigh: expected + Forecaster.interval80 * sigma,
                    returnModel: models.useRidge ? .ridge : .baselineMean, directionModel: models.useLogistic ? .logistic : .baselineClimatology,
                    volatilityModel: volatility.garch != nil ? .garch : .baselineEWMA,
                    baselines: Forecast.Baselines(meanLogReturn: models.meanReturn, climatologicalProbabilityUp: models.upFrequency,
                                                  ewmaVolatility: ewmaSigma))
            }
        }

        /// The EWMA and GARCH variances of the next return, carried from the fit through the log
        /// returns of the view's bars closed after it.
        func carriedVariances(_ visible: PointInTimeBars) -> (ewma: Double, garchNext: Double) {
            let fitLimit = fittedAt.millisecondsSinceEpoch - timeframe.milliseconds
            // Searched from the newest bar back: few bars close after the fit.
            let firstAfterFit = (visible.openTimes.lastIndex { $0 <= fitLimit } ?? visible.openTimes.startIndex - 1) + 1
            let closes = visible.closes
            var ewma = volatility.ewmaVariance
            var garchNext = volatility.garch?.nextVariance ?? 0
            for index in max(firstAfterFit, closes.startIndex + 1)..<max(closes.endIndex, closes.startIndex + 1) {
                let r = log(closes[index] / closes[index - 1])
                if let model = volatility.garch?.model { garchNext = model.nextVariance(after: r * 100, variance: garchNext) }
                ewma = Forecaster.nextEWMAVariance(after: r, variance: ewma)
            }
            return (ewma, garchNext)
        }
    }

    /// Trains one horizon's models on the samples whose labels are visible.
    func train(rows: [(index: Int, features: [Double])], closes: [Double], bars: Int, lastVisible: Int) throws(PredictionError) -> HorizonModels {
        var samples = rows.filter { $0.index + bars <= lastVisible }
        if let trainingWindow, samples.count > trainingWindow { samples = Array(samples.suffix(trainingWindow)) }
        guard samples.count >= 50 else { throw .insufficientData(needed: 50, available: samples.count, purpose: "training a \(bars)-bar horizon") }
        let labels = samples.map { log(closes[$0.index + bars] / closes[$0.index]) }
        let meanReturn = Statistics.mean(labels)
        let upFrequency = Double(labels.filter { $0 > 0 }.count) / Double(labels.count)
        // Hold out the newest 20 % (after a gap of `bars` samples) to decide model versus baseline.
        let split = Int(Double(samples.count) * 0.8)
        let trainEnd = max(split - bars, 10)
        let fitRows = Array(samples[..<trainEnd].map(\.features)), fitLabels = Array(labels[..<trainEnd])
        let holdRows = Array(samples[split...].map(\.features)), holdLabels = Array(labels[split...])
        let holdScaler = Standardizer(fitting: fitRows)
        let scaledFit = fitRows.map(holdScaler.transform), scaledHold = holdRows.map(holdScaler.transform)
        var useRidge = false, useLogistic = false
        if !holdRows.isEmpty {
            let holdMean = Statistics.mean(fitLabels), holdUp = Double(fitLabels.filter { $0 > 0 }.count) / Double(fitLabels.count)
            if let ridge = try? RidgeRegression(rows: scaledFit, targets: fitLabels, alpha: ridgeAlpha) {
                let model = zip(scaledHold, holdLabels).reduce(0) { $0 + pow(ridge.predict($1.0) - $1.1, 2) }
                let baseline = holdLabels.reduce(0) { $0 + pow(holdMean - $1, 2) }
                useRidge = model < baseline
            }
            if let logistic = try? LogisticRegression(rows: scaledFit, labels: fitLabels.map { $0 > 0 }, inverseRegularization: logisticC) {
                let model = zip(scaledHold, holdLabels).reduce(0) { $0 + pow(logistic.probability($1.0) - ($1.1 > 0 ? 1 : 0), 2) }
                let baseline = holdLabels.reduce(0) { $0 + pow(holdUp - ($1 > 0 ? 1 : 0), 2) }
                useLogistic = model < baseline
            }
        }
        // The models used for the forecast are refitted on every visible sample.
        let allRows = samples.map(\.features)
        let scaler = Standardizer(fitting: allRows)
        let scaled = allRows.map(scaler.transform)
        let ridge = useRidge ? try? RidgeRegression(rows: scaled, targets: labels, alpha: ridgeAlpha) : nil
        let logistic = useLogistic ? try? LogisticRegression(rows: scaled, labels: labels.map { $0 > 0 }, inverseRegularization: logisticC) : nil
        return HorizonModels(bars: bars, standardizer: scaler, ridge: ridge, logistic: logistic, meanReturn: meanReturn, upFrequency: upFrequency,
                             useRidge: ridge != nil, useLogistic: logistic != nil)
    }

    /// The volatility models: EWMA always, GARCH when it fits and beats EWMA (QLIKE) on the newest 20 %.
    struct VolatilityModels {
        let ewmaVariance: Double
        let garch: GARCHModel.Fit?
        let garchBeatsEWMA: Bool
    }

    func volatilityModel(_ returns: [Double]) throws(PredictionError) -> VolatilityModels {
        let recent = Array(returns.suffix(garchWindow))
        let ewma = Self.ewmaVariances(recent)
        guard let fit = try? GARCHModel.fit(recent.map { $0 * 100 }) else {
            return VolatilityModels(ewmaVariance: ewma.next, garch: nil, garchBeatsEWMA: false)
        }
        // QLIKE (log σ² + r²/σ²) of one-step variances over the newest 20 %, in-sample parameters:
        // a screen, not an out-of-sample proof (the walk-forward report is that).
        let start = Int(Double(recent.count) * 0.8)
        var garchLoss = 0.0, ewmaLoss = 0.0
        for index in start..<recent.count {
            let squared = recent[index] * recent[index]
            let garchVariance = fit.conditionalVariance[index] / 10_000
            garchLoss += log(garchVariance) + squared / garchVariance
            ewmaLoss += log(ewma.path[index]) + squared / ewma.path[index]
        }
        let beats = garchLoss < ewmaLoss
        return VolatilityModels(ewmaVariance: ewma.next, garch: beats ? fit : nil, garchBeatsEWMA: beats)
    }

    /// λσ² + (1 − λ)r²: the EWMA variance after observing return `r`.
    static func nextEWMAVariance(after r: Double, variance: Double) -> Double {
        ewmaDecay * variance + (1 - ewmaDecay) * r * r
    }

    /// EWMA variances σ²ₜ = λσ²ₜ₋₁ + (1 − λ)r²ₜ₋₁ seeded with the mean square of the first 30 returns;
    /// `path[t]` is the forecast for return t, `next` the one for the return after the last.
    static func ewmaVariances(_ returns: [Double]) -> (path: [Double], next: Double) {
        let seedCount = min(30, returns.count)
        var variance = returns.prefix(seedCount).reduce(0) { $0 + $1 * $1 } / Double(max(seedCount, 1))
        variance = max(variance, 1e-20)
        var path = [Double](repeating: 0, count: returns.count)
        for index in returns.indices {
            path[index] = variance
            variance = nextEWMAVariance(after: returns[index], variance: variance)
        }
        return (path, variance)
    }
}
