import Foundation
import QuantMath
import TradingCore

/// Market regimes of one series at a decision time, each with a probability and the close time
/// of the bar from which it has held.
///
/// * Trend: OLS slope of log close over the last `trendWindow` bars with its t-statistic;
///   BULL when t > 2, BEAR when t < −2, else SIDEWAYS. Probability: Φ(|t|), the normal probability
///   that the slope has the sign it shows; for SIDEWAYS the two-sided p-value 2(1 − Φ(|t|)).
/// * Volatility: the realised volatility of the last 24 returns ranked among its values over the
///   last 1,000 bars: LOW below the 33rd percentile, HIGH above the 67th, else NORMAL; the
///   probability is the share of the last 10 bars classified the same.
/// * Trend or range: Wilder's ADX(14) ≥ 25 is TREND, else RANGE; the variance ratio
///   VR(10) = Var(10-bar returns)/(10·Var(1-bar returns)) over the last 250 bars is reported beside
///   it (> 1 trending, < 1 mean-reverting); probability as for volatility.
/// * HMM: a Gaussian HMM on the bar log returns (the newest 5,000), states by mean; the current state
///   is the most probable at the last bar, with its posterior.
public struct RegimeDetector: Sendable {
    /// Bars in the trend regression.
    public var trendWindow = 50
    /// HMM states (2 or 3).
    public var hmmStates = 2
    /// HMM restarts.
    public var hmmRestarts = 10

    /// Creates a detector.
    public init(hmmStates: Int = 2) {
        self.hmmStates = hmmStates
    }

    /// The trend of the log price over the trend window: its t-statistic beyond ±2, or neither.
    public enum Trend: String, Sendable, CaseIterable {
        case bull = "BULL"
        case bear = "BEAR"
        case sideways = "SIDEWAYS"
    }

    /// The 24-bar volatility's percentile among the last 1,000 bars, by thirds.
    public enum Volatility: String, Sendable, CaseIterable {
        case low = "LOW"
        case normal = "NORMAL"
        case high = "HIGH"
    }

    /// Whether the market trends (ADX(14) of 25 or more) or ranges.
    public enum Structure: String, Sendable, CaseIterable {
        case trend = "TREND"
        case range = "RANGE"
    }

    /// One classification.
    public struct Regime<Label: RawRepresentable & Sendable & Equatable>: Sendable where Label.RawValue == String {
        public let label: Label
        public let probability: Double
        public let since: Timestamp
        /// The statistic behind it (t-statistic, percentile, ADX).
        public let statistic: Double
    }

    /// The trend, volatility and trend-or-range regimes without the HMM (what the strategy
    /// recommendation needs; cheaper, for a loop that classifies at every decision).
    public struct Classification: Sendable {
        public let decisionTime: Timestamp
        public let dataTime: Timestamp
        public let trend: Regime<Trend>
        public let volatility: Regime<Volatility>
        public let trendOrRange: Regime<Structure>
        public let varianceRatio: Double
    }

    /// Every regime at the decision time.
    public struct Report: Sendable {
        public let decisionTime: Timestamp
        public let dataTime: Timestamp
        public let trend: Regime<Trend>
        public let volatility: Regime<Volatility>
        public let trendOrRange: Regime<Structure>
        public let varianceRatio: Double
        public let hmm: GaussianHMM.Fit
        public let hmmCurrentState: Int
        public let hmmSince: Timestamp

        /// The regimes without the HMM.
        public var classification: Classification {
            Classification(decisionTime: decisionTime, dataTime: dataTime, trend: trend, volatility: volatility, trendOrRange: trendOrRange,
                           varianceRatio: varianceRatio)
        }
    }

    /// Detects the regimes at `time` from the bars closed by then.
    public func detect(_ series: BarSeries, at time: Timestamp) throws(PredictionError) -> Report {
        let classification = try classify(series, at: time)
        let bars = series.asOf(time)
        let times = bars.openTimes.map { Timestamp(millisecondsSinceEpoch: $0 + series.timeframe.milliseconds) }
        let hmmInput = Array(bars.logReturns.suffix(5000))
        let hmm = try GaussianHMM.fit(hmmInput, states: hmmStates, restarts: hmmRestarts, seed: 1)
        let state = hmm.lastPosterior.indices.max { hmm.lastPosterior[$0] < hmm.lastPosterior[$1] }!
        var start = hmm.statePath.count - 1
        while start > 0 && hmm.statePath[start - 1] == state { start -= 1 }
        let hmmTimes = Array(times.suffix(hmmInput.count))
        return Report(
            decisionTime: time, dataTime: classification.dataTime, trend: classification.trend, volatility: classification.volatility,
            trendOrRange: classification.trendOrRange, varianceRatio: classification.varianceRatio, hmm: hmm, hmmCurrentState: state,
            hmmSince: hmmTimes[start])
    }

    /// The trend, volatility and trend-or-range regimes at `time`, without the HMM.
    public func classify(_ series: BarSeries, at time: Timestamp) throws(PredictionError) -> Classification {
        let bars = series.asOf(time)
        let needed = Self.barsNeeded
        guard bars.count >= needed, let dataTime = bars.dataTime else {
            throw .insufficientData(needed: needed, available: bars.count, purpose: "regime detection")
        }
        let closes = Array(bars.closes), highs = Array(bars.highs), lows = Array(bars.lows)
        let times = bars.openTimes.map { Timestamp(millisecondsSinceEpoch: $0 + series.timeframe.milliseconds) }
        let last = closes.count - 1
        let returns = bars.logReturns
        guard Statistics.variance(Array(returns.suffix(1000)), ddof: 0) > 0 else { throw .constantSeries("prices do not move in the window") }

        // Trend: classify each of the last 200 bars to find when the current label began.
        func trendStatistic(_ end: Int) -> Double { Self.trendStatistic(closes, end: end, window: trendWindow) }
        func trendLabel(_ t: Double) -> Trend { Self.trendLabel(t) }
        let tNow = trendStatistic(last)
        let trendSince = since(last, count: 200, times: times) { trendLabel(trendStatistic($0)) }
        let phi = 0.5 * erfc(-abs(tNow) / 2.0.squareRoot())
        let trendProbability = trendLabel(tNow) == .sideways ? min(2 * (1 - phi), 1) : phi

        // Volatility percentile.
        let window = 24
        var rolling: [Double] = []
        for end in max(window, returns.count - 1000)..<(returns.count + 1) {
            let slice = returns[(end - window)..<end]
            rolling.append((slice.reduce(0) { $0 + $1 * $1 } / Double(window)).squareRoot())
        }
        let sortedRolling = rolling.sorted()
        func percentile(_ value: Double) -> Double {
            var low = 0, high = sortedRolling.count
            while low < high { let middle = (low + high) / 2; if sortedRolling[middle] < value { low = middle + 1 } else { high = middle } }
            return Double(low) / Double(sortedRolling.count)
        }
        func volatilityLabel(_ p: Double) -> Volatility { Self.volatilityLabel(p) }
        let volatilityLabels = rolling.suffix(200).map { volatilityLabel(percentile($0)) }
        let percentileNow = percentile(rolling.last!)
        let volatilitySince = sinceFromLabels(volatilityLabels, times: Array(times.suffix(volatilityLabels.count)))
        let volatilityProbability = share(volatilityLabels)

        // ADX(14) per bar over the last 250 bars.
        let adx = adxSeries(highs: Array(highs.suffix(250)), lows: Array(lows.suffix(250)), closes: Array(closes.suffix(250)))
        let rangeLabels = adx.suffix(200).map { $0 >= 25 ? Structure.trend : .range }
        let rangeSince = sinceFromLabels(rangeLabels, times: Array(times.suffix(rangeLabels.count)))
        let tail = Array(returns.suffix(250))
        let oneBar = Statistics.variance(tail, ddof: 1)
        let tenBar = (0...(tail.count - 10)).map { start in tail[start..<(start + 10)].reduce(0, +) }
        let varianceRatio = Statistics.variance(tenBar, ddof: 1) / (10 * oneBar)

        return Classification(
            decisionTime: time, dataTime: dataTime,
            trend: Regime(label: trendLabel(tNow), probability: trendProbability, since: trendSince, statistic: tNow),
            volatility: Regime(label: volatilityLabel(percentileNow), probability: volatilityProbability, since: volatilitySince, statistic: percentileNow),
            trendOrRange: Regime(label: adx.last! >= 25 ? .trend : .range, probability: share(rangeLabels), since: rangeSince, statistic: adx.last!),
            varianceRatio: varianceRatio)
    }

    /// The bars `classify` needs.
    static let barsNeeded = 300

    /// The t-statistic of the least-squares slope of log closes over the `window` bars ending at `end`.
    static func trendStatistic(_ closes: [Double], end: Int, window: Int) -> Double {
        let start = end - window + 1
        let xs = (0..<window).map(Double.init), ys = (start...end).map { log(closes[$0]) }
        let meanX = Statistics.mean(xs), meanY = Statistics.mean(ys)
        var sxy = 0.0, sxx = 0.0
        for index in 0..<window { sxy += (xs[index] - meanX) * (ys[index] - meanY); sxx += (xs[index] - meanX) * (xs[index] - meanX) }
        let slope = sxy / sxx
        var residuals = 0.0
        for index in 0..<window { let fitted = meanY + slope * (xs[index] - meanX); residuals += (ys[index] - fitted) * (ys[index] - fitted) }
        let standardError = (residuals / Double(window - 2) / sxx).squareRoot()
        return standardError > 0 ? slope / standardError : (slope == 0 ? 0 : slope.sign == .minus ? -1e9 : 1e9)
    }

    /// The trend a slope's t-statistic means.
    static func trendLabel(_ t: Double) -> Trend { t > 2 ? .bull : t < -2 ? .bear : .sideways }

    /// The volatility regime a percentile means.
    static func volatilityLabel(_ percentile: Double) -> Volatility { percentile < 1.0 / 3 ? .low : percentile > 2.0 / 3 ? .high : .normal }

    /// The trend and volatility label of every bar of `closes` (oldest first), each from the closes up
    /// to that bar only, by the rules of `classify` (the slope's t-statistic over `trendWindow` bars;
    /// the 24-bar RMS log return's share of strictly lower values among the windows ending in the
    /// last 1,000 bars, its own included): equal to `classify` at that bar, and nil where it refuses
    /// (before the 300th bar, or when no price moved in the last 1,000 returns). No label reads a
    /// later bar, so a chart can show them as bands.
    public func labelsByBar(closes: [Double]) -> [(trend: Trend?, volatility: Volatility?)] {
        let window = 24, history = 1000
        var labels: [(trend: Trend?, volatility: Volatility?)] = Array(repeating: (nil, nil), count: closes.count)
        let returns = closes.indices.dropFirst().map { log(closes[$0] / closes[$0 - 1]) }
        // The RMS of the window of returns ending at bar b (b ≥ window), summed as `classify` sums it.
        func rolling(_ bar: Int) -> Double { (returns[(bar - window)..<bar].reduce(0) { $0 + $1 * $1 } / Double(window)).squareRoot() }
        var sorted: [Double] = []
        func lowerBound(_ value: Double) -> Int {
            var low = 0, high = sorted.count
            while low < high { let middle = (low + high) / 2; if sorted[middle] < value { low = middle + 1 } else { high = middle } }
            return low
        }
        // How many of the last 1,000 returns are not zero: `classify` refuses a window where none is.
        var moving = 0
        for bar in closes.indices {
            if bar >= 1 && returns[bar - 1] != 0 { moving += 1 }
            if bar >= history + 1 && returns[bar - history - 1] != 0 { moving -= 1 }
            let labelled = bar >= Self.barsNeeded - 1 && moving > 0
            if labelled && trendWindow > 2 {
                labels[bar].trend = Self.trendLabel(Self.trendStatistic(closes, end: bar, window: trendWindow))
            }
            guard bar >= window else { continue }
            let value = rolling(bar)
            sorted.insert(value, at: lowerBound(value))
            // The windows ending at bars max(window, bar − history) … bar, as `classify` would see at this bar.
            let leaving = bar - history - 1
            if leaving >= window { sorted.remove(at: lowerBound(rolling(leaving))) }
            if labelled { labels[bar].volatility = Self.volatilityLabel(Double(lowerBound(value)) / Double(sorted.count)) }
        }
        return labels
    }

    /// The close time of the first bar of the current run of equal labels among the last `count` bars.
    private func since<Label: Equatable>(_ last: Int, count: Int, times: [Timestamp], label: (Int) -> Label) -> Timestamp {
        let current = label(last)
        var index = last
        while index > max(last - count, trendWindow) && label(index - 1) == current { index -= 1 }
        return times[index]
    }

    private func sinceFromLabels<Label: Equatable>(_ labels: [Label], times: [Timestamp]) -> Timestamp {
        var index = labels.count - 1
        while index > 0 && labels[index - 1] == labels.last! { index -= 1 }
        return times[index]
    }

    /// The share of the last 10 labels equal to the newest.
    private func share<Label: Equatable>(_ labels: [Label]) -> Double {
        let recent = labels.suffix(10)
        return Double(recent.filter { $0 == labels.last! }.count) / Double(recent.count)
    }

    /// Wilder's ADX(14) for every bar from the 28th on.
    func adxSeries(highs: [Double], lows: [Double], closes: [Double]) -> [Double] {
        let n = closes.count, period = 14.0
        var trueRange = 0.0, plus = 0.0, minus = 0.0, adx = 0.0
        var result: [Double] = []
        var dxCount = 0
        for index in 1..<n {
            let up = highs[index] - highs[index - 1], down = lows[index - 1] - lows[index]
            let plusMove = up > down && up > 0 ? up : 0, minusMove = down > up && down > 0 ? down : 0
            let range = max(highs[index] - lows[index], abs(highs[index] - closes[index - 1]), abs(lows[index] - closes[index - 1]))
            if index <= 14 {
                trueRange += range; plus += plusMove; minus += minusMove
                if index < 14 { continue }
            } else {
                trueRange = trueRange - trueRange / period + range
                plus = plus - plus / period + plusMove
                minus = minus - minus / period + minusMove
            }
            let plusIndicator = trueRange > 0 ? 100 * plus / trueRange : 0, minusIndicator = trueRange > 0 ? 100 * minus / trueRange : 0
            let dx = plusIndicator + minusIndicator > 0 ? 100 * abs(plusIndicator - minusIndicator) / (plusIndicator + minusIndicator) : 0
            dxCount += 1
            if dxCount <= 14 {
                adx += dx / period
                if dxCount == 14 { result.append(adx) }
            } else {
                adx = (adx * (period - 1) + dx) / period
                result.append(adx)
            }
        }
        return result
    }
}
