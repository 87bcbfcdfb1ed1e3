import Foundation
import QuantMath

/// Point-in-time features of the newest visible bar, computed only from `PointInTimeBars`.
///
/// Definitions (t = newest bar, rₖ = log(cₖ/cₖ₋₁)):
/// * `return_lag1…3`: r_t, r_{t−1}, r_{t−2}; `return_6`, `return_24`: log(c_t/c_{t−6}), log(c_t/c_{t−24}).
/// * `realised_vol_6/24/96`: √(mean r² over the last 6/24/96 returns).
/// * `parkinson_24`: √(mean(ln(H/L)²)/(4 ln 2)); `garman_klass_24`: √(mean(½ln(H/L)² − (2ln2 − 1)ln(C/O)²)).
/// * `rsi_14`: Wilder's RSI scaled to 0…1; `atr_14`: Wilder's average true range / close.
/// * `macd`: (EMA12 − EMA26)/close; `macd_histogram`: (MACD line − its EMA9)/close.
/// * `bollinger_b_20`: (c − (m − 2s))/(4s) with m, s the mean and population deviation of 20 closes.
/// * `volume_z_20`: (v_t − mean)/deviation over 20 volumes (0 when volume never varies).
/// * `correlation_24` (only with a reference series): Pearson correlation of the last 24 one-bar
///   log returns of the two series on the bar times both have (0 with fewer than 10 shared returns
///   or no variation).
///
/// Exponential and Wilder averages run over the newest `indicatorWindow` bars, seeded with the
/// first of them, so a feature depends on a bounded, fixed stretch of the past.
public enum Features {
    /// Names of the feature vector's entries, in order.
    public static let names = ["return_lag1", "return_lag2", "return_lag3", "return_6", "return_24",
                               "realised_vol_6", "realised_vol_24", "realised_vol_96", "parkinson_24", "garman_klass_24",
                               "rsi_14", "atr_14", "macd", "macd_histogram", "bollinger_b_20", "volume_z_20"]
    /// Names with the reference correlation appended when a reference series is used.
    public static func names(withReference: Bool) -> [String] { withReference ? names + ["correlation_24"] : names }

    /// The fewest visible bars the features need.
    public static let requiredBars = 100
    /// The bars the exponential and Wilder averages run over.
    public static let indicatorWindow = 250

    /// The feature vector of the newest visible bar.
    public static func vector(_ bars: PointInTimeBars, reference: PointInTimeBars?) throws(PredictionError) -> [Double] {
        let base = try vector(bars)
        guard let reference else { return base }
        return base + [correlation(bars, reference, window: 24)]
    }

    /// Pearson correlation of the newest `window` log returns on shared bar times.
    static func correlation(_ a: PointInTimeBars, _ b: PointInTimeBars, window: Int) -> Double {
        let bTimes = Dictionary(zip(b.openTimes.suffix(4 * window), b.closes.suffix(4 * window)), uniquingKeysWith: { first, _ in first })
        var pairs: [(Double, Double)] = []
        for (time, close) in zip(a.openTimes.suffix(4 * window), a.closes.suffix(4 * window)) {
            if let other = bTimes[time] { pairs.append((close, other)) }
        }
        let tail = pairs.suffix(window + 1)
        guard tail.count >= 11 else { return 0 }
        var x: [Double] = [], y: [Double] = []
        for (previous, current) in zip(tail, tail.dropFirst()) {
            x.append(log(current.0 / previous.0))
            y.append(log(current.1 / previous.1))
        }
        let denominator = (Statistics.variance(x, ddof: 1) * Statistics.variance(y, ddof: 1)).squareRoot()
        return denominator > 0 ? Statistics.covariance(x, y, ddof: 1) / denominator : 0
    }

    /// The feature vector of the newest visible bar, without the reference correlation.
    public static func vector(_ bars: PointInTimeBars) throws(PredictionError) -> [Double] {
        guard bars.count >= requiredBars else {
            throw .insufficientData(needed: requiredBars, available: bars.count, purpose: "the features at \(bars.decisionTime.iso8601)")
        }
        let closes = Array(bars.closes.suffix(indicatorWindow))
        let highs = Array(bars.highs.suffix(indicatorWindow)), lows = Array(bars.lows.suffix(indicatorWindow))
        let opens = Array(bars.opens.suffix(indicatorWindow)), volumes = Array(bars.volumes.suffix(indicatorWindow))
        let n = closes.count
        var returns = [Double](repeating: 0, count: n - 1)
        for index in 1..<n { returns[index - 1] = log(closes[index] / closes[index - 1]) }
        let last = n - 1
        func realised(_ window: Int) -> Double {
            let tail = returns.suffix(window)
            return (tail.reduce(0) { $0 + $1 * $1 } / Double(tail.count)).squareRoot()
        }
        var parkinson = 0.0, garmanKlass = 0.0
        for index in (n - 24)..<n {
            let range = log(highs[index] / lows[index]), body = log(closes[index] / opens[index])
            parkinson += range * range
            garmanKlass += 0.5 * range * range - (2 * log(2.0) - 1) * body * body
        }
        parkinson = (parkinson / 24 / (4 * log(2.0))).squareRoot()
        garmanKlass = max(garmanKlass / 24, 0).squareRoot()

        // Wilder's RSI and ATR over the window.
        var gain = 0.0, loss = 0.0
        for index in 1...14 {
            let change = closes[index] - closes[index - 1]
            gain += max(change, 0) / 14
            loss += max(-change, 0) / 14
        }
        var trueRange = 0.0
        for index in 1...14 {
            trueRange += max(highs[index] - lows[index], abs(highs[index] - closes[index - 1]), abs(lows[index] - closes[index - 1])) / 14
        }
        for index in 15..<n {
            let change = closes[index] - closes[index - 1]
            gain = (gain * 13 + max(change, 0)) / 14
            loss = (loss * 13 + max(-change, 0)) / 14
            let range = max(highs[index] - lows[index], abs(highs[index] - closes[index - 1]), abs(lows[index] - closes[index - 1]))
            trueRange = (trueRange * 13 + range) / 14
        }
        let rsi = gain + loss > 0 ? gain / (gain + loss) : 0.5

        // MACD (12, 26, 9).
        var fast = closes[0], slow = closes[0], signal = 0.0
        for index in 0..<n {
            fast += (2 / 13.0) * (closes[index] - fast)
            slow += (2 / 27.0) * (closes[index] - slow)
            let line = fast - slow
            signal = index == 0 ? line : signal + (2 / 10.0) * (line - signal)
        }
        let macdLine = fast - slow

        let band = closes.suffix(20)
        let bandMean = band.reduce(0, +) / 20
        let bandDeviation = (band.reduce(0) { $0 + ($1 - bandMean) * ($1 - bandMean) } / 20).squareRoot()
        let percentB = bandDeviation > 0 ? (closes[last] - (bandMean - 2 * bandDeviation)) / (4 * bandDeviation) : 0.5
        let volumeWindow = volumes.suffix(20)
        let volumeMean = volumeWindow.reduce(0, +) / 20
        let volumeDeviation = (volumeWindow.reduce(0) { $0 + ($1 - volumeMean) * ($1 - volumeMean) } / 20).squareRoot()
        let volumeZ = volumeDeviation > 0 ? (volumes[last] - volumeMean) / volumeDeviation : 0

        return [
            returns[returns.count - 1], returns[returns.count - 2], returns[returns.count - 3],
            log(closes[last] / closes[last - 6]), log(closes[last] / closes[last - 24]),
            realised(6), realised(24), realised(96), parkinson, garmanKlass,
            rsi, trueRange / closes[last], macdLine / closes[last], (macdLine - signal) / closes[last], percentB, volumeZ,
        ]
    }
}
