import TradingCore

/// One forecast for one horizon, made at `decisionTime` from bars closed by `dataTime`.
public struct Forecast: Sendable {
    /// The horizon.
    public let horizon: Horizon
    /// The instant the forecast was made.
    public let decisionTime: Timestamp
    /// The close time of the newest bar it used.
    public let dataTime: Timestamp
    /// Expected log return over the horizon.
    public let expectedLogReturn: Double
    /// Probability that the horizon's log return is positive.
    public let probabilityUp: Double
    /// Forecast standard deviation of the horizon's log return.
    public let volatility: Double
    /// 80 % prediction interval of the horizon's log return (Gaussian: mean ± 1.2816 σ).
    public let intervalLow: Double
    /// Upper end of the 80 % interval.
    public let intervalHigh: Double
    /// Which model produced the expected return: ridge regression, or the historical-mean baseline.
    public let returnModel: ReturnModel
    /// Which model produced P(up): logistic regression, or the climatological baseline.
    public let directionModel: DirectionModel
    /// Which model produced the volatility: GARCH(1,1), or the EWMA baseline.
    public let volatilityModel: VolatilityModel
    /// The model version that made it: the forecasting code's (`Forecaster.modelVersion`), or the
    /// name of the feedback loop's champion a trading policy forecast with.
    public var modelVersion = Forecaster.modelVersion

    /// The expected return's models, named as stored and served.
    public enum ReturnModel: String, Sendable, CaseIterable {
        case ridge
        case baselineMean = "baseline_mean"
    }

    /// P(up)'s models, named as stored and served.
    public enum DirectionModel: String, Sendable, CaseIterable {
        case logistic
        case baselineClimatology = "baseline_climatology"
    }

    /// The volatility's models, named as stored and served.
    public enum VolatilityModel: String, Sendable, CaseIterable {
        case garch
        case baselineEWMA = "baseline_ewma"
    }
    /// The baselines, always computed.
    public let baselines: Baselines

    /// The naive forecasts every model is measured against.
    public struct Baselines: Sendable {
        /// Historical mean of the horizon's log return over the training data.
        public let meanLogReturn: Double
        /// Share of up moves over the horizon in the training data.
        public let climatologicalProbabilityUp: Double
        /// EWMA (λ = 0.94) bar variance × bars in the horizon, as a standard deviation.
        public let ewmaVolatility: Double
    }
}
