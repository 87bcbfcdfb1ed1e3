/// Risk and performance metrics of one return series, optionally against a benchmark.
/// A metric that is undefined for the data (for example Calmar without a drawdown) is NaN.
public struct PerformanceMetrics: Sendable {
    /// The number of returns.
    public var count: Int
    /// Compound annual growth: (∏(1+rᵢ))^(periods/n) − 1.
    public var annualReturn: Double
    /// ∏(1+rᵢ) − 1.
    public var cumulativeReturn: Double
    /// Sample standard deviation (ddof 1) × √periods.
    public var annualVolatility: Double
    /// mean(r − rf) / std(r − rf, ddof 1) × √periods.
    public var sharpeRatio: Double
    /// mean(r − required) × periods / downside risk.
    public var sortinoRatio: Double
    /// √(mean(min(r − required, 0)²)) × √periods (the mean over all returns, not only the losses).
    public var downsideRisk: Double
    /// Annual return / |max drawdown|; NaN when there is no drawdown.
    public var calmarRatio: Double
    /// The worst peak-to-trough fall of wealth (≤ 0), with wealth 1 before the first return.
    public var maxDrawdown: Double
    /// The drawdown's dates as return indices: the peak (nil = before the first return), the trough,
    /// and the first return at which wealth is back at the peak (nil = not recovered).
    public var maxDrawdownPeakIndex: Int?
    /// Index of the return at the bottom of the worst drawdown (nil when there is none).
    public var maxDrawdownTroughIndex: Int?
    /// Index of the first return back at the peak's wealth (nil when not recovered or no drawdown).
    public var maxDrawdownRecoveryIndex: Int?
    /// Σ gains over the threshold / Σ losses under it, threshold rf + ((1+R)^(1/periods) − 1).
    public var omegaRatio: Double
    /// |95th percentile| / |5th percentile|.
    public var tailRatio: Double
    /// R² of a straight-line fit of cumulative log returns against time.
    public var stability: Double
    /// Historical value at risk: the 5th percentile return (linear interpolation; negative is a loss).
    public var valueAtRisk95: Double
    /// Historical value at risk at 1 %.
    public var valueAtRisk99: Double
    /// Historical expected shortfall: mean of the ⌊(n−1)·0.05⌋+1 worst returns.
    public var conditionalValueAtRisk95: Double
    /// Historical expected shortfall at 1 %.
    public var conditionalValueAtRisk99: Double
    /// Gaussian VaR: mean + std·Φ⁻¹(0.05).
    public var gaussianValueAtRisk95: Double
    /// Gaussian VaR at 1 %.
    public var gaussianValueAtRisk99: Double
    /// Gaussian expected shortfall: mean − std·φ(Φ⁻¹(0.05))/0.05.
    public var gaussianConditionalValueAtRisk95: Double
    /// Gaussian expected shortfall at 1 %.
    public var gaussianConditionalValueAtRisk99: Double
    /// Cornish-Fisher VaR: mean + std·z_cf with the sample skewness and excess kurtosis (biased).
    public var cornishFisherValueAtRisk95: Double
    /// Cornish-Fisher VaR at 1 %.
    public var cornishFisherValueAtRisk99: Double
    /// Cornish-Fisher expected shortfall: mean + std·(1/0.05)∫_{−∞}^{z} z_cf(u)φ(u)du, the mean of the
    /// Cornish-Fisher quantile over probabilities below 5 % (closed form through the normal's partial moments).
    public var cornishFisherConditionalValueAtRisk95: Double
    /// Cornish-Fisher expected shortfall at 1 %.
    public var cornishFisherConditionalValueAtRisk99: Double
    /// Biased sample skewness (scipy's default).
    public var skewness: Double
    /// Biased sample excess kurtosis (scipy's default).
    public var excessKurtosis: Double
    /// Jensen's alpha, annualised by compounding: (1 + mean(r − rf − β(b − rf)))^periods − 1; nil without a benchmark.
    public var alpha: Double?
    /// β = cov(r, b)/var(b) (population moments); nil without a benchmark.
    public var beta: Double?
    /// mean(r − b) / std(r − b, ddof 1), not annualised (empyrical's `excess_sharpe`); nil without a benchmark.
    public var informationRatio: Double?
}
