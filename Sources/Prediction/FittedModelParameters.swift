import Foundation
import TradingCore

extension Forecaster.FittedModels {
    /// Everything a fit is — each horizon's scaler, coefficients and baselines, and the volatility
    /// state carried through `fittedAt` — as a value a model registry can keep (as JSON) and turn
    /// back into models that forecast exactly as the original did. Versioned by the forecaster's
    /// `modelVersion`: parameters of another version are refused, never misread.
    public struct Parameters: Sendable, Codable, Hashable {
        /// The `Forecaster.modelVersion` that fitted them.
        public let forecaster: String
        public let timeframe: Timeframe
        /// The close time through which the variances below are carried.
        public let fittedAt: Timestamp
        public let horizons: [HorizonParameters]
        /// The EWMA variance of the next return after `fittedAt`.
        public let ewmaVariance: Double
        /// GARCH(1,1) when it beat EWMA at the fit (on 100 × log returns), and its next variance.
        public let garch: GARCHModel?
        public let garchNextVariance: Double?

        enum CodingKeys: String, CodingKey {
            case forecaster, timeframe, horizons, garch
            case fittedAt = "fitted_at"
            case ewmaVariance = "ewma_variance"
            case garchNextVariance = "garch_next_variance"
        }
    }

    /// One horizon's fitted models.
    public struct HorizonParameters: Sendable, Codable, Hashable {
        public let horizon: Horizon
        /// The horizon in bars of the timeframe.
        public let bars: Int
        public let standardizer: Standardizer
        public let ridge: RidgeRegression?
        public let logistic: LogisticRegression?
        public let meanReturn: Double
        public let upFrequency: Double

        enum CodingKeys: String, CodingKey {
            case horizon, bars, standardizer, ridge, logistic
            case meanReturn = "mean_return"
            case upFrequency = "up_frequency"
        }
    }

    /// The fit as parameters; nil when it used a reference series, whose correlation feature needs
    /// that series at every forecast (the parameters alone cannot forecast).
    public var parameters: Parameters? {
        guard reference == nil else { return nil }
        return Parameters(
            forecaster: Forecaster.modelVersion, timeframe: timeframe, fittedAt: fittedAt,
            horizons: horizons.map { horizon, models in
                HorizonParameters(horizon: horizon, bars: models.bars, standardizer: models.standardizer, ridge: models.useRidge ? models.ridge : nil,
                                  logistic: models.useLogistic ? models.logistic : nil, meanReturn: models.meanReturn, upFrequency: models.upFrequency)
            },
            ewmaVariance: volatility.ewmaVariance, garch: volatility.garch?.model, garchNextVariance: volatility.garch?.nextVariance)
    }

    /// Models from stored parameters; an unknown forecaster version or inconsistent parameters
    /// are an error naming what is wrong (the caller fits afresh then).
    public init(parameters: Parameters) throws(PredictionError) {
        guard parameters.forecaster == Forecaster.modelVersion else {
            throw .invalidParameter("the models were fitted by '\(parameters.forecaster)'; this program's forecaster is '\(Forecaster.modelVersion)'")
        }
        guard !parameters.horizons.isEmpty else { throw .invalidParameter("the stored models have no horizon") }
        guard parameters.ewmaVariance.isFinite, parameters.ewmaVariance > 0 else { throw .invalidParameter("the stored EWMA variance is not a positive number") }
        guard (parameters.garch == nil) == (parameters.garchNextVariance == nil) else {
            throw .invalidParameter("the stored GARCH model and its next variance come together")
        }
        var horizons: [(Horizon, Forecaster.HorizonModels)] = []
        for stored in parameters.horizons {
            guard stored.bars > 0, (try? stored.horizon.bars(of: parameters.timeframe)) == stored.bars else {
                throw .invalidParameter("horizon \(stored.horizon) is not \(stored.bars) bars of \(parameters.timeframe.rawValue)")
            }
            horizons.append((stored.horizon, Forecaster.HorizonModels(
                bars: stored.bars, standardizer: stored.standardizer, ridge: stored.ridge, logistic: stored.logistic, meanReturn: stored.meanReturn,
                upFrequency: stored.upFrequency, useRidge: stored.ridge != nil, useLogistic: stored.logistic != nil)))
        }
        let garch = parameters.garch.map { model in
            GARCHModel.Fit(model: model, logLikelihood: .nan, conditionalVariance: [], nextVariance: parameters.garchNextVariance ?? 0, evaluations: 0)
        }
        self.init(timeframe: parameters.timeframe, fittedAt: parameters.fittedAt, horizons: horizons,
                  volatility: Forecaster.VolatilityModels(ewmaVariance: parameters.ewmaVariance, garch: garch, garchBeatsEWMA: garch != nil), reference: nil)
    }

    /// The same models with their variances carried through the bars of `visible` closed after
    /// the fit: they forecast exactly as before, and a later forecast carries only the bars since
    /// the view's data time (a champion fitted months ago costs a forecast a few bars, not months).
    public func advanced(through visible: PointInTimeBars) throws(PredictionError) -> Forecaster.FittedModels {
        guard visible.timeframe == timeframe else { throw .invalidBars("the models were fitted on \(timeframe.rawValue) bars, not \(visible.timeframe.rawValue)") }
        guard let dataTime = visible.dataTime, dataTime > fittedAt else { return self }
        // The bar the fit ended on must be in view: the returns after it are what is carried.
        guard let first = visible.openTimes.first, first <= fittedAt.millisecondsSinceEpoch - timeframe.milliseconds else {
            throw .invalidBars("the bars start after the fit's data time \(fittedAt.iso8601): the variances cannot be carried from it")
        }
        let (ewma, garchNext) = carriedVariances(visible)
        let garch = volatility.garch.map { GARCHModel.Fit(model: $0.model, logLikelihood: $0.logLikelihood, conditionalVariance: [], nextVariance: garchNext,
                                                          evaluations: $0.evaluations) }
        return Forecaster.FittedModels(timeframe: timeframe, fittedAt: dataTime, horizons: horizons,
                                       volatility: Forecaster.VolatilityModels(ewmaVariance: ewma, garch: garch, garchBeatsEWMA: volatility.garchBeatsEWMA),
                                       reference: reference)
    }
}
