import Foundation
import QuantMath

/// Risk and performance metrics of a periodic simple-return series, following empyrical's
/// conventions (checked against empyrical-reloaded 0.7 by `scripts/reference/analytics.py`):
/// sample standard deviations use ddof 1, percentiles interpolate linearly (NumPy's default),
/// annual figures use `MetricsOptions.periodsPerYear`. The parametric VaR figures follow scipy's
/// moment conventions (biased skewness and excess kurtosis). Each metric's formula is on its field
/// of `PerformanceMetrics`.
public enum PerformanceAnalytics {
    /// The fewest returns the metrics accept (sample deviations need two).
    public static let minimumCount = 2

    /// Computes every metric; `benchmark`, when given, has one return per return of `returns` on the same dates.
    public static func metrics(returns: [Double], benchmark: [Double]? = nil,
                               options: MetricsOptions = MetricsOptions()) throws(AnalyticsError) -> PerformanceMetrics {
        try validate(returns, benchmark: benchmark, options: options)
        let n = returns.count
        let count = Double(n)
        let periods = options.periodsPerYear

        // Moments in two passes (mean first) for the same rounding behaviour as NumPy.
        let mean = Statistics.mean(returns)
        var squares = 0.0, cubes = 0.0, fourths = 0.0, downsideSquares = 0.0
        var growth = 1.0, peakWealth = 1.0, worstDrawdown = 0.0
        var peakIndex: Int? = nil, candidatePeak: Int? = nil, troughIndex: Int? = nil
        var omegaGains = 0.0, omegaLosses = 0.0
        let omegaThreshold = options.riskFreeRate + (pow(1 + options.omegaRequiredReturn, 1 / periods) - 1)
        var cumulativeLog = [Double](repeating: 0, count: n)
        var logSum = 0.0
        for index in 0..<n {
            let value = returns[index]
            let deviation = value - mean
            let squared = deviation * deviation
            squares += squared
            cubes += squared * deviation
            fourths += squared * squared
            let shortfall = min(value - options.requiredReturn, 0)
            downsideSquares += shortfall * shortfall
            growth *= 1 + value
            if growth >= peakWealth {
                peakWealth = growth
                candidatePeak = index
            } else {
                let drawdown = (growth - peakWealth) / peakWealth
                if drawdown < worstDrawdown {
                    worstDrawdown = drawdown
                    troughIndex = index
                    peakIndex = candidatePeak
                }
            }
            let excess = value - omegaThreshold
            if excess > 0 { omegaGains += excess } else { omegaLosses -= excess }
            logSum += log1p(value)
            cumulativeLog[index] = logSum
        }
        let variance = squares / (count - 1)
        let deviation = variance.squareRoot()
        let populationVariance = squares / count
        let skewness = (cubes / count) / pow(populationVariance, 1.5)
        let excessKurtosis = (fourths / count) / (populationVariance * populationVariance) - 3

        var recoveryIndex: Int? = nil
        if let troughIndex {
            let peakValue = peakIndex.map { wealth(returns, through: $0) } ?? 1
            var wealthNow = wealth(returns, through: troughIndex)
            for index in (troughIndex + 1)..<max(troughIndex + 1, n) {
                wealthNow *= 1 + returns[index]
                if wealthNow >= peakValue { recoveryIndex = index; break }
            }
        }

        let annualReturn = pow(growth, periods / count) - 1
        let downsideRisk = (downsideSquares / count).squareRoot() * periods.squareRoot()
        let sorted = returns.sorted()
        func historicalShortfall(_ cutoff: Double) -> Double {
            let last = Int(Double(n - 1) * cutoff)
            var sum = 0.0
            for index in 0...last { sum += sorted[index] }
            return sum / Double(last + 1)
        }
        func cornishFisher(_ z: Double) -> Double {
            z + (z * z - 1) * skewness / 6 + (z * z * z - 3 * z) * excessKurtosis / 24
                - (2 * z * z * z - 5 * z) * skewness * skewness / 36
        }
        /// (1/α)∫_{−∞}^{z} z_cf(u)φ(u)du from the partial moments Iₖ = ∫_{−∞}^{z} uᵏφ(u)du.
        func cornishFisherShortfall(_ z: Double, _ alpha: Double) -> Double {
            let density = Statistics.normalDensity(z)
            let i0 = alpha, i1 = -density, i2 = alpha - z * density, i3 = -(z * z + 2) * density
            return (i1 + (i2 - i0) * skewness / 6 + (i3 - 3 * i1) * excessKurtosis / 24
                    - (2 * i3 - 5 * i1) * skewness * skewness / 36) / alpha
        }
        let z95 = Statistics.normalQuantile(0.05), z99 = Statistics.normalQuantile(0.01)

        var metrics = PerformanceMetrics(
            count: n,
            annualReturn: annualReturn,
            cumulativeReturn: growth - 1,
            annualVolatility: deviation * periods.squareRoot(),
            // r − rf has the same deviation as r; only the mean shifts.
            sharpeRatio: (mean - options.riskFreeRate) / deviation * periods.squareRoot(),
            sortinoRatio: (mean - options.requiredReturn) * periods / downsideRisk,
            downsideRisk: downsideRisk,
            calmarRatio: worstDrawdown < 0 ? annualReturn / abs(worstDrawdown) : .nan,
            maxDrawdown: worstDrawdown,
            maxDrawdownPeakIndex: peakIndex,
            maxDrawdownTroughIndex: troughIndex,
            maxDrawdownRecoveryIndex: recoveryIndex,
            omegaRatio: omegaLosses > 0 ? omegaGains / omegaLosses : .nan,
            tailRatio: abs(Statistics.quantile(sorted: sorted, 0.95)) / abs(Statistics.quantile(sorted: sorted, 0.05)),
            stability: stability(cumulativeLog),
            valueAtRisk95: Statistics.quantile(sorted: sorted, 0.05),
            valueAtRisk99: Statistics.quantile(sorted: sorted, 0.01),
            conditionalValueAtRisk95: historicalShortfall(0.05),
            conditionalValueAtRisk99: historicalShortfall(0.01),
            gaussianValueAtRisk95: mean + deviation * z95,
            gaussianValueAtRisk99: mean + deviation * z99,
            gaussianConditionalValueAtRisk95: mean - deviation * Statistics.normalDensity(z95) / 0.05,
            gaussianConditionalValueAtRisk99: mean - deviation * Statistics.normalDensity(z99) / 0.01,
            cornishFisherValueAtRisk95: mean + deviation * cornishFisher(z95),
            cornishFisherValueAtRisk99: mean + deviation * cornishFisher(z99),
            cornishFisherConditionalValueAtRisk95: mean + deviation * cornishFisherShortfall(z95, 0.05),
            cornishFisherConditionalValueAtRisk99: mean + deviation * cornishFisherShortfall(z99, 0.01),
            skewness: skewness,
            excessKurtosis: excessKurtosis)
        if let benchmark {
            let relative = benchmarkRelative(returns, mean: mean, benchmark: benchmark, options: options)
            metrics.alpha = relative.alpha
            metrics.beta = relative.beta
            metrics.informationRatio = relative.informationRatio
        }
        return metrics
    }

    /// Simple returns pᵢ/pᵢ₋₁ − 1 of a price series.
    public static func simpleReturns(prices: [Double]) -> [Double] {
        guard prices.count > 1 else { return [] }
        return (1..<prices.count).map { prices[$0] / prices[$0 - 1] - 1 }
    }

    // MARK: Parts

    private static func validate(_ returns: [Double], benchmark: [Double]?, options: MetricsOptions) throws(AnalyticsError) {
        guard returns.count >= minimumCount else { throw .insufficientData(count: returns.count, needed: minimumCount) }
        if let index = returns.firstIndex(where: { !$0.isFinite || $0 < -1 }) {
            throw .invalidReturn(series: "portfolio", index: index, value: returns[index])
        }
        if let benchmark {
            guard benchmark.count == returns.count else {
                throw .benchmarkLengthMismatch(returns: returns.count, benchmark: benchmark.count)
            }
            if let index = benchmark.firstIndex(where: { !$0.isFinite || $0 < -1 }) {
                throw .invalidReturn(series: "benchmark", index: index, value: benchmark[index])
            }
        }
        guard options.periodsPerYear > 0, options.periodsPerYear.isFinite else {
            throw .invalidParameter("periods per year must be positive, got \(options.periodsPerYear)")
        }
        for (name, value) in [("risk-free rate", options.riskFreeRate), ("required return", options.requiredReturn),
                              ("omega required return", options.omegaRequiredReturn)] where !value.isFinite || value <= -1 {
            throw .invalidParameter("\(name) must be finite and above -1, got \(value)")
        }
    }

    private static func wealth(_ returns: [Double], through index: Int) -> Double {
        var value = 1.0
        for position in 0...index { value *= 1 + returns[position] }
        return value
    }

    /// R² of the least-squares line through (i, yᵢ): the squared Pearson correlation of i and y.
    private static func stability(_ values: [Double]) -> Double {
        let n = Double(values.count)
        let meanX = (n - 1) / 2
        let meanY = Statistics.mean(values)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (index, value) in values.enumerated() {
            let dx = Double(index) - meanX, dy = value - meanY
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return .nan }
        let correlation = sxy / (sxx * syy).squareRoot()
        return correlation * correlation
    }

    /// Alpha, beta and the information ratio against a benchmark (empyrical's `alpha_beta` and `excess_sharpe`).
    private static func benchmarkRelative(_ returns: [Double], mean: Double, benchmark: [Double],
                                          options: MetricsOptions) -> (alpha: Double, beta: Double, informationRatio: Double) {
        let benchmarkMean = Statistics.mean(benchmark)
        var covariance = 0.0, variance = 0.0
        for index in returns.indices {
            let residual = benchmark[index] - benchmarkMean
            covariance += residual * returns[index]
            variance += residual * residual
        }
        let beta = covariance / variance
        // mean(r − rf − β(b − rf)) = mean(r) − rf − β(mean(b) − rf).
        let alphaPerPeriod = (mean - options.riskFreeRate) - beta * (benchmarkMean - options.riskFreeRate)
        let active = zip(returns, benchmark).map { $0 - $1 }
        let informationRatio = Statistics.mean(active) / Statistics.standardDeviation(active, ddof: 1)
        return (pow(1 + alphaPerPeriod, options.periodsPerYear) - 1, beta, informationRatio)
    }
}
