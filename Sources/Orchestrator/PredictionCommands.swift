import Foundation
import HTTPServer
import Prediction
import TradingCore

/// `orchestrator forecast | forecast evaluate | regimes | volatility` on an OHLCV CSV file (no database).
public enum PredictionCommands {
    /// A loaded file: its bars in analytic form, the inferred timeframe and the number of gaps.
    public struct LoadedSeries: Sendable {
        public let series: BarSeries
        public let symbol: String
        public let gaps: Int
    }

    /// Reads an OHLCV CSV into the prediction module's analytic form.
    public static func load(_ path: String) throws -> LoadedSeries {
        let file = try OHLCVFile.read(path)
        return LoadedSeries(series: try BarSeries(bars: file.bars, timeframe: file.timeframe), symbol: file.symbol, gaps: file.gaps)
    }

    /// Parses `5m,1h,4h,24h`; without text, the default horizons the series' bars can express
    /// (an explicit horizon finer than the bars is an error instead).
    public static func horizons(_ text: String?, for series: BarSeries) throws -> [Horizon] {
        guard let text else {
            let usable = Horizon.defaults.filter { (try? $0.bars(of: series.timeframe)) != nil }
            guard !usable.isEmpty else { throw PredictionError.invalidHorizon("no default horizon (5m, 1h, 4h, 24h) is a multiple of \(series.timeframe.rawValue) bars; pass --horizons") }
            return usable
        }
        return try text.split(separator: ",").map { part in
            guard let horizon = Horizon(parsing: String(part).trimmingWhitespace()) else {
                throw PredictionError.invalidHorizon("'\(part)' is not a horizon such as 5m, 1h, 4h or 24h")
            }
            return horizon
        }
    }

    /// Forecasts every horizon at `time` (default: the close of the last bar).
    /// With `repetitions` > 1, `update_ms` is the median time of a forecast from the already fitted
    /// models (features of the newest bar and every horizon), `fit_ms` the time of the fit.
    public static func forecast(path: String, at time: Timestamp?, horizons text: String?, reference: String? = nil,
                                repetitions: Int = 1) throws -> AdministrationCommands.Output {
        let loaded = try load(path)
        let horizons = try horizons(text, for: loaded.series)
        let at = time ?? loaded.series.lastCloseTime!
        var forecaster = Forecaster()
        forecaster.reference = try reference.map { try load($0).series }
        var models: Forecaster.FittedModels?
        let fitMilliseconds = try PortfolioCommands.medianMilliseconds(1) { models = try forecaster.fit(loaded.series, at: at, horizons: horizons) }
        var forecasts: [Forecast] = []
        let updateMilliseconds = try PortfolioCommands.medianMilliseconds(repetitions) { forecasts = try models!.forecast(loaded.series, at: at) }
        let rows = forecasts.map { forecast in
            [forecast.horizon.label, String(format: "%+.5f", forecast.expectedLogReturn), String(format: "%.3f", forecast.probabilityUp),
             String(format: "%.5f", forecast.volatility), String(format: "[%+.4f, %+.4f]", forecast.intervalLow, forecast.intervalHigh),
             "\(forecast.returnModel.rawValue)/\(forecast.directionModel.rawValue)/\(forecast.volatilityModel.rawValue)"]
        }
        guard case .object(var members) = Representations.forecasts(forecasts, symbol: loaded.symbol, gaps: loaded.gaps) else { fatalError("an object") }
        members.append(("fit_ms", .number(fitMilliseconds)))
        members.append(("update_ms", .number(updateMilliseconds)))
        return AdministrationCommands.Output(
            json: .object(members),
            columns: ["horizon", "expected log return", "P(up)", "volatility", "80% interval", "models (return/direction/volatility)"],
            rows: rows, footer: "made at \(at.iso8601) from bars closed by \(forecasts.first?.dataTime.iso8601 ?? "-")")
    }

    /// The walk-forward report.
    public static func evaluate(path: String, horizons text: String?, trainingWindow: Int?, folds: Int,
                                reference: String? = nil) throws -> AdministrationCommands.Output {
        let loaded = try load(path)
        let horizons = try horizons(text, for: loaded.series)
        let referenceSeries = try reference.map { try load($0).series }
        var reports: [WalkForwardEvaluation.HorizonReport] = []
        let milliseconds = try PortfolioCommands.medianMilliseconds(1) {
            reports = try WalkForwardEvaluation(folds: folds, trainingWindow: trainingWindow, reference: referenceSeries).run(loaded.series, horizons: horizons)
        }
        var rows: [[String]] = []
        for report in reports {
            for comparison in report.comparisons {
                rows.append([report.horizon.label, comparison.metric, "\(comparison.model) vs \(comparison.baseline)",
                             String(format: "%.6g", comparison.modelLoss), String(format: "%.6g", comparison.baselineLoss),
                             String(format: "[%+.3g, %+.3g]", comparison.differenceLow, comparison.differenceHigh),
                             comparison.modelBeatsBaseline ? "model" : "baseline", String(report.testPoints)])
            }
        }
        return AdministrationCommands.Output(
            json: Representations.evaluation(reports, bars: loaded.series.count, gaps: loaded.gaps, elapsedMilliseconds: milliseconds),
            columns: ["horizon", "metric", "model vs baseline", "model", "baseline", "95% CI of difference", "winner", "test points"],
            rows: rows, footer: String(format: "%d bars (%d gaps), computed in %.0f ms", loaded.series.count, loaded.gaps, milliseconds))
    }

    /// The regimes at the end of the file.
    /// With `repetitions` > 1, `hmm_fit_ms` is the median time of the HMM fit alone (10 restarts).
    public static func regimes(path: String, states: Int, repetitions: Int = 1) throws -> AdministrationCommands.Output {
        let loaded = try load(path)
        let report = try RegimeDetector(hmmStates: states).detect(loaded.series, at: loaded.series.lastCloseTime!)
        let hmmInput = Array(loaded.series.asOf(loaded.series.lastCloseTime!).logReturns.suffix(5000))
        let hmmMilliseconds = try PortfolioCommands.medianMilliseconds(repetitions) { _ = try GaussianHMM.fit(hmmInput, states: states, restarts: 10, seed: 1) }
        let rows = [
            ["trend", report.trend.label.rawValue, String(format: "%.3f", report.trend.probability), report.trend.since.iso8601],
            ["volatility", report.volatility.label.rawValue, String(format: "%.3f", report.volatility.probability), report.volatility.since.iso8601],
            ["trend or range", report.trendOrRange.label.rawValue, String(format: "%.3f", report.trendOrRange.probability), report.trendOrRange.since.iso8601],
            ["hmm state", "\(report.hmmCurrentState) of \(states)", String(format: "%.3f", report.hmm.lastPosterior[report.hmmCurrentState]), report.hmmSince.iso8601],
        ]
        guard case .object(var members) = Representations.regimes(report, symbol: loaded.symbol) else { fatalError("an object") }
        members.append(("hmm_fit_ms", .number(hmmMilliseconds)))
        return AdministrationCommands.Output(json: .object(members),
                                             columns: ["regime", "label", "probability", "since"], rows: rows, footer: nil)
    }

    /// A GARCH(1,1) fit on 100 × log returns of the closes.
    /// `elapsed_ms` is the median fit time over `repetitions`.
    public static func volatility(path: String, lastReturns: Int?, repetitions: Int = 1) throws -> AdministrationCommands.Output {
        let loaded = try load(path)
        var returns = loaded.series.asOf(loaded.series.lastCloseTime!).logReturns.map { $0 * 100 }
        if let lastReturns { returns = Array(returns.suffix(lastReturns)) }
        var fit: GARCHModel.Fit?
        let milliseconds = try PortfolioCommands.medianMilliseconds(repetitions) { fit = try GARCHModel.fit(returns) }
        let result = fit!
        let rows = [["mu", "\(result.model.mu)"], ["omega", "\(result.model.omega)"], ["alpha", "\(result.model.alpha)"],
                    ["beta", "\(result.model.beta)"], ["loglikelihood", "\(result.logLikelihood)"], ["next_variance", "\(result.nextVariance)"]]
        return AdministrationCommands.Output(json: Representations.garch(result, observations: returns.count, elapsedMilliseconds: milliseconds),
                                             columns: ["parameter", "value"], rows: rows, footer: String(format: "fitted in %.1f ms", milliseconds))
    }
}
