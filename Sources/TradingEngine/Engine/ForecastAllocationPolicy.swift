import Foundation
import PortfolioOptimizer
import Prediction
import TradingCore

/// The real strategy: regimes and forecasts from the prediction module, weights from the portfolio
/// module.
///
/// At each decision: the regime of the universe's equal-weighted index picks the allocation
/// strategy (`PredictiveAlerts.recommendedStrategy`: BALANCED in high volatility, MOMENTUM or
/// AGGRESSIVE in a bull trend, CONSERVATIVE in a bear trend, MEAN_REVERSION sideways; TACTICAL's
/// regime mapping is the same idea); `StrategyAllocator` turns the last `lookback` closes into
/// weights at the risk level; then each asset whose direction model (not its baseline) gives
/// P(up) < 0.5 over the decision interval keeps half its weight, the rest going to cash.
/// Forecast models are refitted every `refitInterval` decisions and carried forward in between.
public struct ForecastAllocationPolicy: AllocationPolicy {
    public var riskLevel: RiskLevel
    public var lookback: Int
    public var horizon: Horizon
    public var refitInterval: Int
    private var models: [Symbol: Forecaster.FittedModels] = [:]
    private var decisionsSinceFit = Int.max

    /// Creates the policy; `horizon` is the decision interval as a duration.
    public init(riskLevel: RiskLevel = .medium, lookback: Int = 252, horizon: Horizon, refitInterval: Int = 12) {
        self.riskLevel = riskLevel
        self.lookback = lookback
        self.horizon = horizon
        self.refitInterval = refitInterval
    }

    public mutating func targetWeights(at time: Timestamp, bars: [Symbol: PointInTimeBars]) throws -> [Symbol: Double]? {
        let symbols = bars.keys.sorted { $0.rawValue < $1.rawValue }
        guard let first = symbols.first, let count = bars[first]?.count, count > max(lookback, 300) else { return nil }
        // The equal-weighted index of the universe, for the regime.
        let closes = symbols.map { Array(bars[$0]!.closes.suffix(count)) }
        var index: [Double] = [1]
        for bar in 1..<count {
            let growth = closes.reduce(0.0) { $0 + $1[bar] / $1[bar - 1] } / Double(symbols.count)
            index.append(index[bar - 1] * growth)
        }
        let timeframe = bars[first]!.timeframe
        let openTimes = bars[first]!.openTimes
        let indexSeries = try BarSeries(timeframe: timeframe, openTimes: openTimes.map { Timestamp(millisecondsSinceEpoch: $0) },
                                        opens: index, highs: index, lows: index, closes: index, volumes: [Double](repeating: 0, count: count))
        let regimes = try RegimeDetector().detect(indexSeries, at: time)
        let recommendation = PredictiveAlerts.recommendedStrategy(regimes)
        let strategy = AllocationStrategy(rawValue: recommendation.strategy) ?? .balanced
        // Weights from the newest `lookback` closes.
        let recentDates = openTimes.suffix(lookback + 1).map { Timestamp(millisecondsSinceEpoch: $0) }
        let history = try PriceHistory(symbols: symbols.map(\.rawValue), dates: recentDates,
                                       prices: (0..<recentDates.count).map { row in closes.map { $0[count - recentDates.count + row] } })
        let outcome = try StrategyAllocator(history: history).allocate(strategy, riskLevel: riskLevel,
                                                                        regime: MarketRegime(rawValue: recommendation.regime))
        // Forecasts: refit now and then, carry forward otherwise.
        if decisionsSinceFit >= refitInterval {
            models = [:]
            for symbol in symbols {
                let series = try bars[symbol]!.series()
                models[symbol] = try? Forecaster().fit(series, at: time, horizons: [horizon])
            }
            decisionsSinceFit = 0
        }
        decisionsSinceFit += 1
        var weights: [Symbol: Double] = [:]
        for (position, symbol) in symbols.enumerated() {
            var weight = outcome.weights[position]
            if let model = models[symbol], let forecast = try? model.forecast(try bars[symbol]!.series(), at: time).first,
               forecast.directionModel != "baseline_climatology", forecast.probabilityUp < 0.5 {
                weight /= 2
            }
            weights[symbol] = weight
        }
        return weights
    }
}
