import Foundation
import QuantMath
import TradingCore

/// A description of the past of a symbol and its universe over a window: realised volatility,
/// the log-price trend with its t-statistic, a volume profile and the correlation matrix of log
/// returns on the dates all symbols share.
public enum HistoricalAnalysis {
    /// The report.
    public struct Report: Sendable {
        public let bars: Int
        public let start: Timestamp
        public let end: Timestamp
        /// Sample standard deviation of bar log returns.
        public let volatilityPerBar: Double
        /// × √periodsPerYear.
        public let annualVolatility: Double
        /// OLS slope of log close per bar, its t-statistic and R².
        public let trendSlopePerBar: Double
        public let trendTStatistic: Double
        public let trendRSquared: Double
        /// Ten equal-width close-price bins from the lowest to the highest close, with the volume traded at closes in each.
        public let volumeProfile: [(low: Double, high: Double, volume: Double)]
        /// Symbols of the correlation matrix (the analysed symbol first).
        public let universe: [String]
        /// Pearson correlations of log returns on shared bar times.
        public let correlation: [[Double]]
        /// Returns used for the correlations.
        public let correlationObservations: Int
    }

    /// Bars per year used to annualise: 252 for daily bars, 52 for weekly, and continuous
    /// trading (365.25 days) for intraday bars.
    public static func periodsPerYear(_ timeframe: Timeframe) -> Double {
        switch timeframe {
        case .oneDay: 252
        case .oneWeek: 52
        default: 365.25 * 86_400_000 / Double(timeframe.milliseconds)
        }
    }

    /// Analyses `bars` (the window to describe) with `universe` as other symbols' bars over the same window.
    public static func analyse(_ bars: PointInTimeBars, symbol: String, universe: [(symbol: String, bars: PointInTimeBars)] = [],
                               periodsPerYear: Double) throws(PredictionError) -> Report {
        let closes = Array(bars.closes)
        guard closes.count >= 30, let first = bars.openTimes.first, let last = bars.openTimes.last else {
            throw .insufficientData(needed: 30, available: closes.count, purpose: "a historical analysis")
        }
        let returns = bars.logReturns
        let deviation = Statistics.standardDeviation(returns, ddof: 1)
        guard deviation > 0 else { throw .constantSeries("\(symbol) does not move in the window") }
        // Trend of log price.
        let n = Double(closes.count), meanX = (n - 1) / 2
        let logs = closes.map { log($0) }
        let meanY = Statistics.mean(logs)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (index, value) in logs.enumerated() {
            let dx = Double(index) - meanX, dy = value - meanY
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy
        }
        let slope = sxy / sxx
        let residual = max(syy - slope * sxy, 0)
        let standardError = (residual / (n - 2) / sxx).squareRoot()
        // Volume profile over close-price bins.
        let low = closes.min()!, high = closes.max()!
        let width = (high - low) / 10
        var volumes = [Double](repeating: 0, count: 10)
        for (close, volume) in zip(closes, bars.volumes) {
            let bin = width > 0 ? min(Int((close - low) / width), 9) : 0
            volumes[bin] += volume
        }
        // Correlations on shared bar times.
        var symbols = [symbol]
        var series: [[Int64: Double]] = [Dictionary(zip(bars.openTimes, closes), uniquingKeysWith: { a, _ in a })]
        for member in universe where member.symbol != symbol {
            symbols.append(member.symbol)
            series.append(Dictionary(zip(member.bars.openTimes, member.bars.closes), uniquingKeysWith: { a, _ in a }))
        }
        let shared = series.dropFirst().reduce(Set(series[0].keys)) { $0.intersection($1.keys) }.sorted()
        var matrix: [[Double]] = []
        if shared.count > 2 {
            let columns = series.map { map in (1..<shared.count).map { log(map[shared[$0]]! / map[shared[$0 - 1]]!) } }
            matrix = columns.map { a in columns.map { b in
                let denominator = (Statistics.variance(a, ddof: 1) * Statistics.variance(b, ddof: 1)).squareRoot()
                return denominator > 0 ? Statistics.covariance(a, b, ddof: 1) / denominator : .nan
            } }
        }
        return Report(bars: closes.count, start: Timestamp(millisecondsSinceEpoch: first), end: Timestamp(millisecondsSinceEpoch: last),
                      volatilityPerBar: deviation, annualVolatility: deviation * periodsPerYear.squareRoot(),
                      trendSlopePerBar: slope, trendTStatistic: standardError > 0 ? slope / standardError : 0,
                      trendRSquared: syy > 0 ? slope * sxy / syy : 0,
                      volumeProfile: (0..<10).map { (low + Double($0) * width, low + Double($0 + 1) * width, volumes[$0]) },
                      universe: symbols, correlation: matrix, correlationObservations: max(shared.count - 1, 0))
    }
}
