import Foundation
import TradingCore

/// Opportunity and risk alerts derived from forecasts and regimes, each with its numbers and a
/// one-line explanation (the strategy that suits the regimes is `StrategyRecommendation`, in
/// TradingEngine, which knows the portfolio module's strategies).
///
/// Rules (thresholds are the fields below):
/// * `volatility_spike` (WARNING): GARCH's next-bar variance is at least `spikeRatio` × its long-run
///   variance ω/(1 − α − β) — the model expects larger moves than usual.
/// * `regime_change` (WARNING): the HMM puts probability ≥ `regimeChangeProbability` on a state other
///   than the one that held over the previous `regimeRunBars` bars.
/// * `interval_breach` (INFO, CRITICAL beyond twice the half-width): the newest bar's log return fell
///   outside the 80 % interval forecast one bar earlier for one bar ahead.
public struct PredictiveAlerts: Sendable {
    /// One alert.
    public struct Alert: Sendable {
        /// What was seen.
        public enum Kind: String, Sendable, CaseIterable {
            case volatilitySpike = "volatility_spike"
            case regimeChange = "regime_change"
            case intervalBreach = "interval_breach"
        }

        /// How much it matters.
        public enum Severity: String, Sendable, CaseIterable {
            case info = "INFO"
            case warning = "WARNING"
            case critical = "CRITICAL"
        }

        public let kind: Kind
        public let severity: Severity
        public let symbol: String
        public let time: Timestamp
        public let message: String
        public let values: [(String, Double)]
    }

    public var spikeRatio = 1.5
    public var regimeChangeProbability = 0.6
    public var regimeRunBars = 24

    /// Creates the rules with their documented thresholds.
    public init() {}

    /// The alerts for a series at `time`.
    public func evaluate(_ series: BarSeries, symbol: String, at time: Timestamp, regimes: RegimeDetector.Report) throws(PredictionError) -> [Alert] {
        var alerts: [Alert] = []
        let visible = series.asOf(time)
        let returns = Array(visible.logReturns.suffix(5000))
        if let fit = try? GARCHModel.fit(returns.map { $0 * 100 }) {
            let longRun = fit.model.omega / (1 - fit.model.alpha - fit.model.beta)
            let ratio = fit.nextVariance / longRun
            if ratio >= spikeRatio {
                alerts.append(Alert(kind: .volatilitySpike, severity: .warning, symbol: symbol, time: time,
                                    message: String(format: "GARCH expects next-bar volatility %.1f× its long-run level", ratio.squareRoot()),
                                    values: [("next_variance", fit.nextVariance / 10_000), ("long_run_variance", longRun / 10_000), ("ratio", ratio)]))
            }
        }
        let path = regimes.hmm.statePath
        if path.count > regimeRunBars + 1 {
            let previous = path[(path.count - 1 - regimeRunBars)..<(path.count - 1)]
            if let held = previous.first, previous.allSatisfy({ $0 == held }) {
                let other = regimes.hmm.lastPosterior.enumerated().filter { $0.offset != held }.map(\.element).max() ?? 0
                if other >= regimeChangeProbability {
                    alerts.append(Alert(kind: .regimeChange, severity: .warning, symbol: symbol, time: time,
                                        message: String(format: "HMM state %d held for %d bars; now %.0f %% probability of another state", held, regimeRunBars, other * 100),
                                        values: [("probability_other_state", other), ("previous_state", Double(held))]))
                }
            }
        }
        if visible.count > Features.requiredBars + 1, let oneBar = Horizon(parsing: series.timeframe.rawValue.hasSuffix("w") ? "7d" : series.timeframe.rawValue) {
            let previousTime = series.closeTime(ofBar: visible.count - 2)
            if let forecast = try? Forecaster().forecast(series, at: previousTime, horizons: [oneBar]).first, let realised = visible.logReturns.last {
                let halfWidth = (forecast.intervalHigh - forecast.intervalLow) / 2
                let center = (forecast.intervalHigh + forecast.intervalLow) / 2
                if realised < forecast.intervalLow || realised > forecast.intervalHigh {
                    let severe = abs(realised - center) > 2 * halfWidth
                    alerts.append(Alert(kind: .intervalBreach, severity: severe ? .critical : .info, symbol: symbol, time: time,
                                        message: String(format: "the last bar's log return %+.4f fell outside the 80 %% interval [%+.4f, %+.4f]", realised, forecast.intervalLow, forecast.intervalHigh),
                                        values: [("realised_log_return", realised), ("interval_low", forecast.intervalLow), ("interval_high", forecast.intervalHigh)]))
                }
            }
        }
        return alerts
    }
}
