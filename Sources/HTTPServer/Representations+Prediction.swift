import Prediction
import TradingCore
import TradingEngine

extension Representations {
    /// Forecasts for the horizons of one decision time.
    public static func forecasts(_ forecasts: [Forecast], symbol: String, gaps: Int) -> JSONValue {
        [
            "symbol": .string(symbol),
            "decision_time": .optional(forecasts.first?.decisionTime.iso8601),
            "data_time": .optional(forecasts.first?.dataTime.iso8601),
            "gaps": .int(gaps),
            "forecasts": .array(forecasts.map { forecast in
                [
                    "horizon": .string(forecast.horizon.label),
                    "expected_log_return": .number(forecast.expectedLogReturn),
                    "probability_up": .number(forecast.probabilityUp),
                    "volatility": .number(forecast.volatility),
                    "interval_80": [.number(forecast.intervalLow), .number(forecast.intervalHigh)],
                    "models": [
                        "return": .string(forecast.returnModel.rawValue),
                        "direction": .string(forecast.directionModel.rawValue),
                        "volatility": .string(forecast.volatilityModel.rawValue),
                    ],
                    "baselines": [
                        "zero_return": .number(0),
                        "mean_log_return": .number(forecast.baselines.meanLogReturn),
                        "probability_up": .number(forecast.baselines.climatologicalProbabilityUp),
                        "ewma_volatility": .number(forecast.baselines.ewmaVolatility),
                    ],
                    "data_time": .string(forecast.dataTime.iso8601),
                ]
            }),
        ]
    }

    /// A walk-forward report.
    public static func evaluation(_ reports: [WalkForwardEvaluation.HorizonReport], bars: Int, gaps: Int, elapsedMilliseconds: Double) -> JSONValue {
        [
            "bars": .int(bars),
            "gaps": .int(gaps),
            "elapsed_ms": .number(elapsedMilliseconds),
            "horizons": .array(reports.map { report in
                [
                    "horizon": .string(report.horizon.label),
                    "test_points": .int(report.testPoints),
                    "directional_accuracy": .number(report.directionalAccuracy),
                    "baseline_directional_accuracy": .number(report.baselineDirectionalAccuracy),
                    "comparisons": .array(report.comparisons.map { comparison in
                        [
                            "metric": .string(comparison.metric),
                            "model": .string(comparison.model),
                            "baseline": .string(comparison.baseline),
                            "model_loss": .number(comparison.modelLoss),
                            "baseline_loss": .number(comparison.baselineLoss),
                            "difference_95": [.number(comparison.differenceLow), .number(comparison.differenceHigh)],
                            "model_beats_baseline": .bool(comparison.modelBeatsBaseline),
                        ]
                    }),
                    "calibration": .array(report.calibration.map { bin in
                        [
                            "bin": [.number(bin.lower), .number(bin.upper)],
                            "count": .int(bin.count),
                            "mean_predicted": .number(bin.meanPredicted),
                            "observed_frequency": .number(bin.observedFrequency),
                        ]
                    }),
                ]
            }),
        ]
    }

    /// Regimes at one decision time, with the HMM's states sorted by mean.
    public static func regimes(_ report: RegimeDetector.Report, symbol: String) -> JSONValue {
        func regime<Label>(_ value: RegimeDetector.Regime<Label>, statistic: String) -> JSONValue {
            .object([("label", .string(value.label.rawValue)), ("probability", .number(value.probability)), ("since", .string(value.since.iso8601)),
                     (statistic, .number(value.statistic))])
        }
        let model = report.hmm.model
        return [
            "symbol": .string(symbol),
            "decision_time": .string(report.decisionTime.iso8601),
            "data_time": .string(report.dataTime.iso8601),
            "hmm": [
                "loglikelihood": .number(report.hmm.logLikelihood),
                "current_state": .int(report.hmmCurrentState),
                "since": .string(report.hmmSince.iso8601),
                "states": .array(model.means.indices.map { state in
                    ["mean": .number(model.means[state]), "std": .number(model.variances[state].squareRoot()),
                     "probability_now": .number(report.hmm.lastPosterior[state])]
                }),
            ],
            "trend": regime(report.trend, statistic: "t_statistic"),
            "volatility_regime": regime(report.volatility, statistic: "percentile"),
            "trend_or_range": regime(report.trendOrRange, statistic: "adx"),
            "variance_ratio_10": .number(report.varianceRatio),
        ]
    }

    /// A GARCH fit in the `arch` package's terms.
    public static func garch(_ fit: GARCHModel.Fit, observations: Int, elapsedMilliseconds: Double) -> JSONValue {
        [
            "params": ["mu": .number(fit.model.mu), "omega": .number(fit.model.omega), "alpha": .number(fit.model.alpha), "beta": .number(fit.model.beta)],
            "loglikelihood": .number(fit.logLikelihood),
            "next_variance": .number(fit.nextVariance),
            "observations": .int(observations),
            "scale": "100 x log returns",
            "elapsed_ms": .number(elapsedMilliseconds),
        ]
    }
}

extension Representations {
    /// Predictive alerts.
    public static func predictiveAlerts(_ alerts: [PredictiveAlerts.Alert]) -> JSONValue {
        ["alerts": .array(alerts.map { alert in
            [
                "source": "prediction",
                "kind": .string(alert.kind.rawValue),
                "severity": .string(alert.severity.rawValue),
                "symbol": .string(alert.symbol),
                "time": .string(alert.time.iso8601),
                "message": .string(alert.message),
                "values": .object(alert.values.map { ($0.0, .number($0.1)) }),
            ]
        })]
    }

    /// A historical analysis.
    public static func analysis(_ report: HistoricalAnalysis.Report, symbol: String, timeframe: Timeframe) -> JSONValue {
        [
            "symbol": .string(symbol),
            "timeframe": .string(timeframe.rawValue),
            "bars": .int(report.bars),
            "start": .string(report.start.iso8601),
            "end": .string(report.end.iso8601),
            "volatility": ["per_bar": .number(report.volatilityPerBar), "annual": .number(report.annualVolatility)],
            "trend": ["slope_per_bar": .number(report.trendSlopePerBar), "t_statistic": .number(report.trendTStatistic),
                      "r_squared": .number(report.trendRSquared)],
            "volume_profile": .array(report.volumeProfile.map { ["low": .number($0.low), "high": .number($0.high), "volume": .number($0.volume)] }),
            "correlation": [
                "symbols": .array(report.universe.map(JSONValue.string)),
                "observations": .int(report.correlationObservations),
                "matrix": .array(report.correlation.map { .array($0.map(JSONValue.number)) }),
            ],
        ]
    }

    /// The strategy recommendation for a regime report.
    public static func recommendation(_ regimes: RegimeDetector.Report) -> JSONValue {
        let choice = StrategyRecommendation(regimes)
        return ["strategy": .string(choice.strategy.rawValue), "regime": .string(choice.regime.rawValue), "reason": .string(choice.reason)]
    }
}
