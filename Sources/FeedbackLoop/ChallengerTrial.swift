import Foundation
import Prediction
import TradingCore

/// A challenger judged against the champion on the forecasts both would have made after the
/// challenger's fit: the forward shadow period, computed once its bars exist.
///
/// Both models are the forecaster fitted on the bars closed by their fit times (the forecaster is
/// deterministic and point-in-time, so a fit recomputed later is the fit made then). From the
/// first bar closing at or after the challenger's fit, each of the next `shadowPairs` bars gets a
/// forecast from each model, scored at its target bar; the promotion rule decides.
public struct ChallengerTrial: Sendable {
    /// The horizon judged.
    public let horizon: Horizon
    /// Paired forecasts in the shadow period.
    public let shadowPairs: Int
    /// The rule.
    public let rule: PromotionRule

    /// Creates a trial.
    public init(horizon: Horizon, shadowPairs: Int = 480, rule: PromotionRule = PromotionRule()) {
        self.horizon = horizon
        self.shadowPairs = shadowPairs
        self.rule = rule
    }

    /// The verdict, or nil while fewer than `shadowPairs` shadow forecasts have reached their target.
    /// `champion` is the champion's stored models when the registry has them (the same as a refit
    /// on the bars closed by `championFit`, without its cost). Both models' variances are carried
    /// from bar to bar through the shadow period, so its forecasts cost the same whatever the
    /// champion's age: one pass over the bars since its fit, then one bar per forecast.
    public func evaluate(series: BarSeries, championFit: Timestamp, challengerFit: Timestamp,
                         champion stored: Forecaster.FittedModels? = nil) throws -> PromotionRule.Verdict? {
        guard let (origins, steps) = try shadowOrigins(series: series, challengerFit: challengerFit) else { return nil }
        var champion = try stored ?? Forecaster().fit(series, at: championFit, horizons: [horizon])
        var challenger = try Forecaster().fit(series, at: challengerFit, horizons: [horizon])
        let closes = Array(series.asOf(series.closeTime(ofBar: series.count - 1)).closes)
        var championLosses: [Double] = [], challengerLosses: [Double] = []
        for origin in origins {
            let visible = series.asOf(series.closeTime(ofBar: origin))
            champion = try champion.advanced(through: visible)
            challenger = try challenger.advanced(through: visible)
            guard let made = try champion.forecast(visible).first, let shadow = try challenger.forecast(visible).first else { continue }
            let realised = log(closes[origin + steps] / closes[origin])
            championLosses.append(ForecastOutcome(claim: ForecastClaim(made), realisedLogReturn: realised).logScore)
            challengerLosses.append(ForecastOutcome(claim: ForecastClaim(shadow), realisedLogReturn: realised).logScore)
        }
        guard !championLosses.isEmpty else { return nil }
        return rule.evaluate(championLosses: championLosses, challengerLosses: challengerLosses, blockLength: steps)
    }

    /// The close time of the newest bar the verdict reads (the last shadow forecast's target): a
    /// promotion is known from then on, not before. Nil while the shadow period is incomplete.
    public func evidenceEnd(series: BarSeries, challengerFit: Timestamp) throws -> Timestamp? {
        guard let (origins, steps) = try shadowOrigins(series: series, challengerFit: challengerFit) else { return nil }
        return series.closeTime(ofBar: origins.last! + steps)
    }

    /// The bars the shadow forecasts are made at and the horizon in bars, once all `shadowPairs`
    /// targets exist: from the first bar closing at or after the challenger's fit.
    private func shadowOrigins(series: BarSeries, challengerFit: Timestamp) throws -> (origins: [Int], steps: Int)? {
        let steps = try horizon.bars(of: series.timeframe)
        guard let first = (0..<series.count).first(where: { series.closeTime(ofBar: $0) >= challengerFit }) else { return nil }
        // Origins whose target bar exists: none yet when the fit is among the newest `steps` bars.
        let end = min(first + shadowPairs, series.count - steps)
        guard first < end, end - first == shadowPairs else { return nil }
        return (Array(first..<end), steps)
    }
}
