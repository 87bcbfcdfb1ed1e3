import FeedbackLoop
import Foundation
import Synchronization
import PortfolioOptimizer
import Prediction
import TradingCore

/// The real strategy: regimes and forecasts from the prediction module, weights from the portfolio
/// module.
///
/// At each decision: the regime of the universe's equal-weighted index picks the allocation
/// strategy (`StrategyRecommendation`: BALANCED in high volatility, MOMENTUM or
/// AGGRESSIVE in a bull trend, CONSERVATIVE in a bear trend, MEAN_REVERSION sideways; TACTICAL's
/// regime mapping is the same idea); `StrategyAllocator` turns the last `lookback` closes into
/// weights at the risk level; then each asset whose direction model (not its baseline) gives
/// P(up) < 0.5 − threshold over the decision interval keeps half its weight, the rest going to
/// cash. The threshold is the feedback loop's tuned one for the horizon — the one of the asset's
/// market regime (`MarketSignature` of its closes) where one was tuned — 0 until one is set; the
/// thresholds in force are part of the checkpoint.
/// Forecast models are refitted every `refitInterval` decisions and carried forward in between;
/// where the feedback loop hands a stream's champion (`setChampions`), the champion forecasts that
/// stream instead, from the first bar closed at or after the data time it was known by.
public struct ForecastAllocationPolicy: AllocationPolicy {
    public var riskLevel: RiskLevel
    public var lookback: Int
    public var horizon: Horizon
    public var refitInterval: Int
    /// Horizons forecast at every close besides the decision's, for the store and the feedback
    /// loop (5m, 1h, 4h and 24h on live bars). They never change a decision: each horizon's models
    /// are trained on their own, so these are not among the settings. One shorter than a bar or
    /// not a whole number of bars is left out; one is fitted from the first refit with enough history.
    public var reportedHorizons: [Horizon]
    /// Bars of history a decision and a fit see: the newest `historyWindow` bars closed by their
    /// time (nil: every bar handed in). A live session sets it, so its decisions and fits cost the
    /// same on the hundredth day as on the first, and do not depend on how much history a process loaded.
    public var historyWindow: Int?
    /// How far below ½ P(up) must be before a weight is halved (the feedback loop's thresholds).
    public private(set) var confidence = ConfidenceThresholds.none
    private var models: [Symbol: Forecaster.FittedModels] = [:]
    /// The feedback loop's champions by symbol and horizon, their variances carried bar by bar.
    private var champions: [Symbol: [Horizon: ChampionModel]] = [:]
    private var decisionsSinceFit = Int.max
    /// The data time of the last fit; a resumed policy refits as of it, so it decides as an uninterrupted one.
    private var lastFitTime: Timestamp?
    /// Set by `restore`: the models of the last fit are to be rebuilt before the next forecast.
    private var refitPending = false
    /// Each symbol's feature rows, extended at each refit instead of recomputed.
    private var featureRows: [Symbol: Forecaster.FeatureRowCache] = [:]
    /// Whether refits run in the background (live trading); a replay fits inline.
    private var backgroundRefits = false
    /// A background refit under way: its models replace the ones in hand once it has finished.
    private var runningFit: RunningFit?
    /// Background refits that finished and replaced the models, and decisions taken while one ran.
    public private(set) var backgroundFits = 0
    public private(set) var decisionsDuringFits = 0

    /// Creates the policy; `horizon` is the decision interval as a duration.
    public init(riskLevel: RiskLevel = .medium, lookback: Int = 252, horizon: Horizon, refitInterval: Int = 12, reportedHorizons: [Horizon] = [],
                historyWindow: Int? = nil) {
        self.riskLevel = riskLevel
        self.lookback = lookback
        self.horizon = horizon
        self.refitInterval = refitInterval
        self.reportedHorizons = reportedHorizons
        self.historyWindow = historyWindow
    }

    public mutating func targetWeights(at time: Timestamp, bars: [Symbol: PointInTimeBars]) throws -> [Symbol: Double]? {
        let symbols = bars.keys.sorted { $0.rawValue < $1.rawValue }
        guard let first = symbols.first, let count = bars[first].flatMap({ decisionBars(available: $0.count) }) else { return nil }
        // The equal-weighted index of the universe, for the regime.
        let closes = symbols.map { Array(bars[$0]!.closes.suffix(count)) }
        var index: [Double] = [1]
        for bar in 1..<count {
            let growth = closes.reduce(0.0) { $0 + $1[bar] / $1[bar - 1] } / Double(symbols.count)
            index.append(index[bar - 1] * growth)
        }
        let timeframe = bars[first]!.timeframe
        let openTimes = bars[first]!.openTimes.suffix(count)
        let indexSeries = try BarSeries(timeframe: timeframe, openTimes: openTimes.map { Timestamp(millisecondsSinceEpoch: $0) },
                                        opens: index, highs: index, lows: index, closes: index, volumes: [Double](repeating: 0, count: count))
        let regimes = try RegimeDetector().classify(indexSeries, at: time)
        let recommendation = StrategyRecommendation(regimes)
        let strategy = recommendation.strategy
        // Weights from the newest `lookback` closes.
        let recentDates = openTimes.suffix(lookback + 1).map { Timestamp(millisecondsSinceEpoch: $0) }
        let history = try PriceHistory(symbols: symbols.map(\.rawValue), dates: recentDates,
                                       prices: (0..<recentDates.count).map { row in closes.map { $0[count - recentDates.count + row] } })
        guard let outcome = try Self.allocation(history, strategy: strategy, riskLevel: riskLevel, regime: recommendation.regime,
                                                frequency: Self.barsPerYear(timeframe)) else {
            // No asset is expected to beat cash: the max-Sharpe portfolio is cash.
            return Dictionary(uniqueKeysWithValues: symbols.map { ($0, 0.0) })
        }
        // Forecasts: refit now and then, carry forward otherwise (live: in the background, the models in hand deciding meanwhile).
        adoptFinishedFit()
        if decisionsSinceFit >= refitInterval {
            if backgroundRefits && !models.isEmpty {
                if runningFit == nil { startBackgroundFit(as: time, bars: bars) }
            } else {
                try fit(as: time, bars: bars)
            }
            decisionsSinceFit = 0
        }
        if runningFit != nil { decisionsDuringFits += 1 }
        decisionsSinceFit += 1
        let forecasts = try self.forecasts(at: time, bars: bars)
        var weights: [Symbol: Double] = [:]
        for (position, symbol) in symbols.enumerated() {
            var weight = outcome.weights[position]
            if let forecast = forecasts[symbol]?.first(where: { $0.horizon == horizon }), forecast.directionModel != .baselineClimatology,
               forecast.probabilityUp < 0.5 - confidence.threshold(regime: MarketSignature(closes: bars[symbol]!.closes.suffix(count)).regime) {
                weight /= 2
            }
            weights[symbol] = weight
        }
        return weights
    }

    /// The strategy's weights, or nil when no asset is expected to beat the risk-free rate.
    private static func allocation(_ history: PriceHistory, strategy: AllocationStrategy, riskLevel: RiskLevel, regime: MarketRegime?,
                                   frequency: Double) throws -> AllocationOutcome? {
        var allocator = StrategyAllocator(history: history, frequency: frequency)
        // Intraday bars: a window's growth compounded over a year (252 one-minute bars to the power 2,086) overflows; annualise linearly.
        if frequency > 366 { allocator.returnsMethod = .arithmeticMean }
        do {
            return try allocator.allocate(strategy, riskLevel: riskLevel, regime: regime)
        } catch {
            if case .noAssetBeatsRiskFreeRate = error { return nil }
            throw error
        }
    }

    /// Bars a year, to annualise returns: 252 trading days for daily bars (as the equity replays
    /// have always been annualised), and a continuous year for other bars (the intraday crypto
    /// markets they come from trade around the clock).
    static func barsPerYear(_ timeframe: Timeframe) -> Double {
        timeframe == .oneDay ? 252 : 365 * 86_400_000.0 / Double(timeframe.milliseconds)
    }

    /// The carried-forward models' forecasts, the decision horizon's first and then each reported
    /// horizon fitted so far (none before the first fit).
    public mutating func forecasts(at time: Timestamp, bars: [Symbol: PointInTimeBars]) throws -> [Symbol: [Forecast]] {
        try rebuildRestoredModels(bars: bars)
        adoptFinishedFit()
        var forecasts: [Symbol: [Forecast]] = [:]
        for (symbol, model) in models {
            guard let view = bars[symbol], let made = try? model.forecast(view), !made.isEmpty else { continue }
            forecasts[symbol] = made
        }
        for (symbol, streams) in champions {
            guard let view = bars[symbol] else { continue }
            for (horizon, champion) in streams {
                // Carried through every bar, used or not yet known, so a view never has to reach back to the fit.
                guard let advanced = try? champion.models.advanced(through: view) else { continue }
                champions[symbol]![horizon]!.models = advanced
                guard let dataTime = view.dataTime, dataTime >= champion.knownAt,
                      var made = (try? advanced.forecast(view))?.first(where: { $0.horizon == horizon }) else { continue }
                made.modelVersion = champion.name
                var symbolForecasts = forecasts[symbol] ?? []
                if let position = symbolForecasts.firstIndex(where: { $0.horizon == horizon }) {
                    symbolForecasts[position] = made
                } else {
                    symbolForecasts.insert(made, at: horizon == self.horizon ? 0 : symbolForecasts.endIndex)
                }
                forecasts[symbol] = symbolForecasts
            }
        }
        return forecasts
    }

    /// Takes the feedback loop's champions; one already held keeps its carried variances.
    public mutating func setChampions(_ handed: [ChampionModel]) {
        var next: [Symbol: [Horizon: ChampionModel]] = [:]
        for champion in handed {
            let held = champions[champion.symbol]?[champion.horizon]
            next[champion.symbol, default: [:]][champion.horizon] = held?.name == champion.name ? held : champion
        }
        champions = next
    }

    /// Fits every symbol's models on the bars closed by `time` (a symbol whose fit fails has none).
    private mutating func fit(as time: Timestamp, bars: [Symbol: PointInTimeBars]) throws {
        adopt(Self.fitted(as: time, bars: bars, window: historyWindow, caches: featureRows, horizons: fittedHorizons(bars)))
    }

    /// The models and feature caches of every symbol fitted on the bars closed by `time`. Inline,
    /// the symbols are fitted in parallel; in the background one after another, so a core stays
    /// free for the bars and reports meanwhile. Each fit is deterministic and independent of the
    /// others, so the result depends on neither.
    private static func fitted(as time: Timestamp, bars: [Symbol: PointInTimeBars], window: Int?, caches: [Symbol: Forecaster.FeatureRowCache],
                               horizons: (decision: Horizon, reported: [Horizon]), parallel: Bool = true) -> FitResult {
        let symbols = bars.keys.sorted()
        let starting = symbols.map { caches[$0] ?? Forecaster.FeatureRowCache() }
        let results = Mutex<[Int: (model: Forecaster.FittedModels?, cache: Forecaster.FeatureRowCache)]>([:])
        let fitOne: @Sendable (Int) -> Void = { index in
            var cache = starting[index]
            let model = (try? bars[symbols[index]]!.series(closedBy: time, limit: window)).flatMap {
                try? Forecaster().fit($0, at: time, horizons: [horizons.decision], additionalHorizons: horizons.reported, cache: &cache)
            }
            results.withLock { $0[index] = (model, cache) }
        }
        if parallel {
            DispatchQueue.concurrentPerform(iterations: symbols.count, execute: fitOne)
        } else {
            symbols.indices.forEach(fitOne)
        }
        var fitted = FitResult(time: time)
        for (index, symbol) in symbols.enumerated() {
            let result = results.withLock { $0[index]! }
            fitted.models[symbol] = result.model
            fitted.caches[symbol] = result.cache
        }
        return fitted
    }

    private mutating func adopt(_ result: FitResult) {
        models = result.models
        featureRows.merge(result.caches) { _, new in new }
        lastFitTime = result.time
    }

    /// Starts fitting on the bars closed by `time` in the background; the views are values, so later bars cannot reach it.
    private mutating func startBackgroundFit(as time: Timestamp, bars: [Symbol: PointInTimeBars]) {
        let running = RunningFit()
        let caches = featureRows, horizons = fittedHorizons(bars), window = historyWindow
        Task.detached(priority: .utility) { running.finish(Self.fitted(as: time, bars: bars, window: window, caches: caches, horizons: horizons, parallel: false)) }
        runningFit = running
    }

    /// The bars a decision uses out of `available` (the history window's worth at most), or nil
    /// when they are too few for the lookback and the models.
    private func decisionBars(available: Int) -> Int? {
        let count = historyWindow.map { min($0, available) } ?? available
        return count > max(lookback, 300) ? count : nil
    }

    /// The decision horizon and the reported ones the bars' timeframe can express (each once).
    private func fittedHorizons(_ bars: [Symbol: PointInTimeBars]) -> (decision: Horizon, reported: [Horizon]) {
        guard let timeframe = bars.values.first?.timeframe else { return (horizon, []) }
        var reported: [Horizon] = []
        for candidate in reportedHorizons where candidate != horizon && !reported.contains(candidate) && (try? candidate.bars(of: timeframe)) != nil {
            reported.append(candidate)
        }
        return (horizon, reported)
    }

    /// After `restore`, rebuilds the last fit's models as of its data time (once).
    private mutating func rebuildRestoredModels(bars: [Symbol: PointInTimeBars]) throws {
        if refitPending, let lastFitTime { try fit(as: lastFitTime, bars: bars) }
        refitPending = false
    }

    /// Takes a finished background fit's models.
    private mutating func adoptFinishedFit() {
        guard let running = runningFit, let result = running.result else { return }
        adopt(result)
        runningFit = nil
        backgroundFits += 1
    }

    /// Live trading refits in the background from now on.
    public mutating func setBackgroundRefits(_ enabled: Bool) {
        backgroundRefits = enabled
    }

    /// Fits now when there are no models to decide with (a first live decision must not wait for a fit).
    public mutating func prepare(at time: Timestamp, bars: [Symbol: PointInTimeBars]) throws {
        adoptFinishedFit()
        try rebuildRestoredModels(bars: bars)
        if models.isEmpty, bars.values.first.flatMap({ decisionBars(available: $0.count) }) != nil {
            try fit(as: time, bars: bars)
            decisionsSinceFit = 0
        }
    }

    /// Sets the confidence a forecast needs before it halves a weight.
    public mutating func setConfidenceThresholds(_ thresholds: ConfidenceThresholds) {
        confidence = thresholds
    }

    /// The settings that change decisions.
    public var settingsDescription: String {
        "forecast-allocation: risk level \(riskLevel.rawValue), lookback \(lookback) bars, horizon \(horizon.label), refit every \(refitInterval) decisions"
            + (historyWindow.map { ", history \($0) bars" } ?? "")
    }

    /// The fit schedule and the last fit's time.
    public var checkpoint: String {
        let since = decisionsSinceFit == Int.max ? "null" : String(decisionsSinceFit)
        let fitted = lastFitTime.map { String($0.millisecondsSinceEpoch) } ?? "null"
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let thresholds = String(decoding: (try? encoder.encode(confidence)) ?? Data("null".utf8), as: UTF8.self)
        return "{\"decisions_since_fit\":\(since),\"last_fit_time_ms\":\(fitted),\"confidence\":\(thresholds)}"
    }

    /// Restores the schedule; the models are refitted as of the last fit on the next call.
    public mutating func restore(checkpoint: String) throws {
        struct Stored: Decodable {
            let decisions_since_fit: Int?
            let last_fit_time_ms: Int64?
            let confidence: ConfidenceThresholds?
        }
        let stored = try JSONDecoder().decode(Stored.self, from: Data(checkpoint.utf8))
        decisionsSinceFit = stored.decisions_since_fit ?? Int.max
        lastFitTime = stored.last_fit_time_ms.map { Timestamp(millisecondsSinceEpoch: $0) }
        confidence = stored.confidence ?? .none
        models = [:]
        refitPending = lastFitTime != nil
    }
}

/// A fit's models and feature caches, and the data time it was made at.
struct FitResult: Sendable {
    let time: Timestamp
    var models: [Symbol: Forecaster.FittedModels] = [:]
    var caches: [Symbol: Forecaster.FeatureRowCache] = [:]
}

/// A background fit: finished once its result is set.
final class RunningFit: Sendable {
    private let box = Mutex<FitResult?>(nil)

    var result: FitResult? { box.withLock { $0 } }
    func finish(_ result: FitResult) { box.withLock { $0 = result } }
}
