import Foundation
import Hummingbird
import PortfolioOptimizer
import Prediction
import TradingCore
import TradingEngine

/// Forecasts, regimes, historical analysis and predictive alerts from the stored bars under
/// `/api/v1` (viewer role). Each request reads at most `maximumBars` of the newest bars, but a
/// forecast, which reads those of its fit's window and the few since (up to 61 more).
enum PredictionRoutes: RouteGroup {
    /// The most bars a request reads, or a fit sees (about 14 months of hourly bars).
    static let maximumBars = 10_000
    /// The most symbols an alerts or analysis request covers.
    static let maximumSymbols = 20

    static func routes(_ dependencies: ServerDependencies) -> [APIRoute] {
        [
            APIRoute(APIOperation(
                .get, "/api/v1/predictions/{symbol}", id: "getPredictions", tag: .prediction, summary: "Multi-horizon forecasts", role: .viewer,
                description: """
                    Forecasts from the symbol's stored OHLCV bars closed by `at`: per horizon the expected log return, P(up), \
                    volatility, 80 % interval, the model behind each part (a model is used only where it beat its baseline on held-out \
                    data) and the baselines. The models are refitted every \(RefitSchedule.server.everyBars) bars, on a grid of close \
                    times counted from the epoch, each fit from the bars of the \(maximumBars) bar lengths before its grid time; a decision \
                    forecasts from the fit of the newest grid time at least \(RefitSchedule.server.leadBars) bars before it \
                    (`fitted_at`), with the features and variances of its own bars (while too few bars precede that grid time, from \
                    a fit at the decision time). The answer depends only on the stored bars and `at`. Every forecast served is stored \
                    once (per symbol, timeframe, horizon, data time and model version) with what scoring it later needs; \
                    `newly_stored` counts the new rows.
                    """,
                parameters: [
                    Schema.symbolPath,
                    Schema.query("horizons", "Comma-separated horizons such as 1h,4h,24h (multiples of the bar length); default: those of 5m,1h,4h,24h the bars can express.", Schema.string),
                    Schema.query("timeframe", "The stored series to use; default: the shortest OHLCV series.", Schema.timeframe),
                    Schema.query("at", "Decision time; only bars closed by then are read.", Schema.dateTime),
                    Schema.query("reference", "A reference symbol (an index, BTC for altcoins) whose 24-bar return correlation becomes a feature.", Schema.symbol),
                ],
                success: .json("The forecasts.", Schema.ref("Forecasts")),
                problems: [.invalidParameter, .notFound, .unprocessable])
            ) { request, context in
                let query = try QueryValidator(request, allowed: ["horizons", "timeframe", "at", "reference"])
                let symbol = try symbolParameter(context)
                let at = try query.parsed("at", accepted: "an ISO-8601 time") { Timestamp(iso8601: $0) }
                let horizons: [Horizon]? = try query.value("horizons").map { text in
                    try text.split(separator: ",").map { part in
                        guard let horizon = Horizon(parsing: String(part)) else { throw ProblemDetails.invalidParameter("horizons", "'\(part)' is not a horizon such as 1h or 24h") }
                        return horizon
                    }
                }
                return JSONResponse.make(try await forecast(symbol, timeframe: try timeframe(query), horizons: horizons, at: at,
                                                            reference: try query.value("reference"), dependencies: dependencies))
            },
            APIRoute(APIOperation(
                .get, "/api/v1/regimes/{symbol}", id: "getRegimes", tag: .prediction, summary: "Market regimes and a strategy recommendation", role: .viewer,
                description: "Trend, volatility regime, trend or range and a Gaussian HMM on the newest stored bars, each with a probability and the time it began, and the allocation strategy that suits them.",
                parameters: [
                    Schema.symbolPath,
                    Schema.query("timeframe", "The stored series to use; default: the shortest OHLCV series.", Schema.timeframe),
                    Schema.query("states", "HMM states.", ["type": "integer", "enum": [2, 3], "default": 2]),
                ],
                success: .json("The regimes.", Schema.ref("Regimes")),
                problems: [.invalidParameter, .notFound, .unprocessable])
            ) { request, context in
                let query = try QueryValidator(request, allowed: ["timeframe", "states"])
                let symbol = try symbolParameter(context)
                let states = try query.parsed("states", accepted: "2 or 3") { Int($0).flatMap { (2...3).contains($0) ? $0 : nil } } ?? 2
                let report = try await regimes(symbol, timeframe: try timeframe(query), states: states, dependencies: dependencies)
                guard case .object(var members) = Representations.regimes(report, symbol: symbol) else { fatalError("an object") }
                members.append(("recommendation", Representations.recommendation(report)))
                return JSONResponse.make(.object(members))
            },
            APIRoute(APIOperation(
                .get, "/api/v1/analysis/{symbol}", id: "getAnalysis", tag: .prediction, summary: "Historical analysis", role: .viewer,
                description: "Volatility, log-price trend with its t-statistic, volume profile and the correlation matrix of a universe over a window of stored bars.",
                parameters: [
                    Schema.symbolPath,
                    Schema.query("timeframe", "The stored series to use.", Schema.timeframe),
                    Schema.query("start", "First bar included.", Schema.dateTime),
                    Schema.query("end", "Bars closed by then.", Schema.dateTime),
                    Schema.query("universe", "Comma-separated other symbols for the correlation matrix (at most \(maximumSymbols)).", Schema.string),
                ],
                success: .json("The analysis.", Schema.ref("Analysis")),
                problems: [.invalidParameter, .notFound, .unprocessable])
            ) { request, context in
                let query = try QueryValidator(request, allowed: ["timeframe", "start", "end", "universe"])
                let symbol = try symbolParameter(context)
                let start = try query.parsed("start", accepted: "an ISO-8601 time") { Timestamp(iso8601: $0) }
                let end = try query.parsed("end", accepted: "an ISO-8601 time") { Timestamp(iso8601: $0) }
                let universe = (try query.value("universe")).map { $0.split(separator: ",").map(String.init) } ?? []
                guard universe.count <= maximumSymbols else { throw ProblemDetails.invalidParameter("universe", "at most \(maximumSymbols) symbols") }
                let (series, timeframe) = try await load(symbol, timeframe: try timeframe(query), end: end, store: dependencies.store, start: start)
                var others: [(symbol: String, bars: PointInTimeBars)] = []
                for member in universe where member != symbol {
                    let (other, _) = try await load(member, timeframe: timeframe, end: end, store: dependencies.store, start: start)
                    others.append((member, other.asOf(other.lastCloseTime!)))
                }
                let report = try ProblemDetails.unprocessable { () throws(PredictionError) in
                    try HistoricalAnalysis.analyse(series.asOf(series.lastCloseTime!), symbol: symbol, universe: others,
                                                   periodsPerYear: HistoricalAnalysis.periodsPerYear(timeframe))
                }
                return JSONResponse.make(Representations.analysis(report, symbol: symbol, timeframe: timeframe))
            },
            APIRoute(APIOperation(
                .get, "/api/v1/alerts", id: "listAlerts", tag: .prediction, summary: "Predictive alerts", role: .viewer,
                description: "Volatility spikes, likely regime changes and forecast intervals breached, computed now from the stored bars of one symbol or of the stored OHLCV symbols (at most \(maximumSymbols)).",
                parameters: [
                    Schema.query("source", "Only prediction: the supervisor's alerts are at /api/v1/supervisor/alerts.", Schema.strings(["prediction"], default: "prediction")),
                    Schema.query("symbol", "One symbol; default: every stored OHLCV symbol with at least 300 bars.", Schema.symbol),
                    Schema.query("timeframe", "The stored series to use.", Schema.timeframe),
                ],
                success: .json("The alerts.", Schema.ref("Alerts")),
                problems: [.invalidParameter, .notFound, .unprocessable])
            ) { request, _ in
                let query = try QueryValidator(request, allowed: ["source", "symbol", "timeframe"])
                let requestedTimeframe = try timeframe(query)
                let source = try query.value("source") ?? "prediction"
                guard source == "prediction" else {
                    throw ProblemDetails.invalidParameter("source", "only prediction alerts are served here; the supervisor's are at /api/v1/supervisor/alerts")
                }
                if let symbol = try query.value("symbol"), Symbol(symbol) == nil { throw ProblemDetails.invalidParameter("symbol", "must be \(Symbol.rule)") }
                var symbols = (try query.value("symbol")).map { [$0] } ?? []
                if symbols.isEmpty {
                    symbols = try await dependencies.store.instruments().filter { summary in
                        summary.series.contains { $0.kind == .ohlcv && $0.barCount >= 300 }
                    }.prefix(maximumSymbols).map(\.instrument.symbol.rawValue)
                }
                var alerts: [PredictiveAlerts.Alert] = []
                let instruments = try await dependencies.store.instruments()
                for symbol in symbols {
                    // The series and its regimes from one summary, so both see the same bars.
                    let (instrument, chosen) = try storedSeries(symbol, timeframe: requestedTimeframe, in: instruments)
                    let (series, _) = try await loadSeries(instrument, chosen, end: nil, store: dependencies.store)
                    let time = series.lastCloseTime!
                    let regimes = try await regimes(instrument, chosen, states: 2, dependencies: dependencies)
                    let found = try ProblemDetails.unprocessable { () throws(PredictionError) in
                        try PredictiveAlerts().evaluate(series, symbol: symbol, at: time, regimes: regimes)
                    }
                    alerts += found
                }
                return JSONResponse.make(Representations.predictiveAlerts(alerts))
            },
        ]
    }

    /// The schemas of these routes' bodies.
    static let schemas: [(String, JSONValue)] = {
        let string = Schema.string, integer = Schema.integer, number = Schema.number, dateTime = Schema.dateTime
        func regime<Label: CaseIterable & RawRepresentable>(_ labels: Label.Type) -> JSONValue where Label.RawValue == String {
            Schema.object([("label", Schema.enumeration(labels)), ("probability", number), ("since", dateTime)],
                          required: ["label", "probability", "since"], description: "A classification, its probability and the close time of the bar it began.")
        }
        return [
            ("Forecasts", Schema.object([
                ("symbol", string), ("timeframe", Schema.timeframe), ("decision_time", dateTime), ("data_time", dateTime), ("gaps", integer),
                ("model_version", string), ("fitted_at", dateTime), ("newly_stored", integer),
                ("forecasts", Schema.array(Schema.object([
                    ("horizon", string), ("expected_log_return", number), ("probability_up", number), ("volatility", number),
                    ("interval_80", ["type": "array", "items": number, "minItems": 2, "maxItems": 2]),
                    ("models", Schema.object([("return", Schema.enumeration(Forecast.ReturnModel.self)),
                                              ("direction", Schema.enumeration(Forecast.DirectionModel.self)),
                                              ("volatility", Schema.enumeration(Forecast.VolatilityModel.self))])),
                    ("baselines", Schema.object([("zero_return", number), ("mean_log_return", number), ("probability_up", number), ("ewma_volatility", number)])),
                    ("data_time", dateTime),
                ]))),
            ])),
            ("Regimes", Schema.object([
                ("symbol", string), ("decision_time", dateTime), ("data_time", dateTime),
                ("hmm", Schema.object([("loglikelihood", number), ("current_state", integer), ("since", dateTime),
                                       ("states", Schema.array(Schema.object([("mean", number), ("std", number), ("probability_now", number)])))])),
                ("trend", regime(RegimeDetector.Trend.self)), ("volatility_regime", regime(RegimeDetector.Volatility.self)),
                ("trend_or_range", regime(RegimeDetector.Structure.self)), ("variance_ratio_10", number),
                ("recommendation", Schema.object([("strategy", Schema.enumeration(AllocationStrategy.self)), ("regime", Schema.enumeration(MarketRegime.self)),
                                                  ("reason", string)])),
            ], required: ["symbol", "hmm", "trend", "volatility_regime", "trend_or_range"])),
            ("Analysis", Schema.object([
                ("symbol", string), ("timeframe", string), ("bars", integer), ("start", dateTime), ("end", dateTime),
                ("volatility", Schema.object([("per_bar", number), ("annual", number)])),
                ("trend", Schema.object([("slope_per_bar", number), ("t_statistic", number), ("r_squared", number)])),
                ("volume_profile", Schema.array(Schema.object([("low", number), ("high", number), ("volume", number)]))),
                ("correlation", Schema.object([("symbols", Schema.array(string)), ("observations", integer),
                                               ("matrix", Schema.array(Schema.array(Schema.nullableNumber)))])),
            ])),
            ("Alerts", Schema.object([("alerts", Schema.array(Schema.object([
                ("source", string), ("kind", Schema.enumeration(PredictiveAlerts.Alert.Kind.self)),
                ("severity", Schema.enumeration(PredictiveAlerts.Alert.Severity.self)), ("symbol", string), ("time", dateTime),
                ("message", string), ("values", ["type": "object", "additionalProperties": number]),
            ])))])),
        ]
    }()

    // MARK: Parts

    /// The forecasts of `GET /predictions/{symbol}` (the document it answers), each stored once for
    /// scoring; `horizons` nil means those of 5m, 1h, 4h, 24h the bars can express. Answered from
    /// the cache while the bars it was computed from are unchanged; computed from the models fitted
    /// at the decision's grid time of `RefitSchedule.server`, so a new bar costs a forecast, not a fit.
    static func forecast(_ symbol: String, timeframe requested: Timeframe?, horizons requestedHorizons: [Horizon]?, at: Timestamp?, reference: String?,
                         dependencies: ServerDependencies) async throws -> JSONValue {
        if let reference, Symbol(reference) == nil { throw ProblemDetails.invalidParameter("reference", "must be \(Symbol.rule)") }
        let instruments = try await dependencies.store.instruments()
        let (instrument, chosen) = try storedSeries(symbol, timeframe: requested, in: instruments)
        let timeframe = chosen.timeframe
        let horizons = requestedHorizons ?? Horizon.defaults.filter { (try? $0.bars(of: timeframe)) != nil }
        let referenceSeries = try reference.map { try storedSeries($0, timeframe: timeframe, in: instruments) }
        let key = PredictionCaches.ForecastKey(series: seriesVersion(instrument, chosen, end: at), timeframe: timeframe, decisionTime: at, horizons: horizons,
                                               reference: referenceSeries.map { seriesVersion($0, $1, end: at) }, modelVersion: Forecaster.modelVersion)
        let (result, lookup) = try await dependencies.predictions.forecasts.value(for: key) {
            // The decision time: `at`, or the close of the newest stored bar.
            let time = at ?? Timestamp(millisecondsSinceEpoch: newestOpenTime(chosen, end: nil) + timeframe.milliseconds)
            let fitTime = RefitSchedule.server.fitTime(forDecisionAt: time, timeframe: timeframe)
            // The fit's window (the newest `maximumBars` closed by its grid time) and every bar since.
            // (One more, for a decision time between two bar closes.)
            let bars = maximumBars + 1 + Int((time.millisecondsSinceEpoch - fitTime.millisecondsSinceEpoch) / timeframe.milliseconds)
            let windows = dependencies.predictions.windows
            let (series, lastClose) = try await loadSeries(instrument, chosen, end: at, store: dependencies.store, bars: bars, windows: windows)
            var referenceBars: (symbol: String, series: BarSeries)?
            if let (referenceSymbol, referenceSummary) = referenceSeries {
                // Up to the decision time, not the reference's own newest bar: it may have bars the series has not yet.
                referenceBars = (referenceSymbol.rawValue,
                                 try await loadSeries(referenceSymbol, referenceSummary, end: time, store: dependencies.store, bars: bars).0)
            }
            // A fit past the stored bars (an `at` in the future) is not kept: it would take the place of the
            // ones the newest decisions use. Only the newest decisions prepare the next one.
            let keep = RefitSchedule.server.fitTime(forDecisionAt: time, timeframe: timeframe) <= (series.lastCloseTime ?? time)
            let models = try await fittedModels(instrument, series: series, reference: referenceBars, decisionTime: time, horizons: horizons,
                                                keep: keep, prepareNext: at == nil, dependencies: dependencies)
            let forecasts = try ProblemDetails.unprocessable { () throws(PredictionError) in try models.forecast(series, at: time) }
            // Every forecast served is stored (once) with what scoring it later needs.
            let now = dependencies.clock.now()
            let records = forecasts.map { ForecastRecord($0, symbol: instrument, timeframe: timeframe, referenceClose: lastClose, createdAt: now) }
            let stored = try await dependencies.store.recordForecasts(records)
            let result = PredictionCaches.ForecastResult(forecasts: forecasts, gaps: gapCount(series, newest: maximumBars), fittedAt: models.fittedAt,
                                                         newlyStored: stored.count)
            return (result, result.bytes)
        }
        guard case .object(var members) = Representations.forecasts(result.forecasts, symbol: symbol, gaps: result.gaps) else { fatalError("an object") }
        members.append(("timeframe", .string(timeframe.rawValue)))
        members.append(("model_version", .string(Forecaster.modelVersion)))
        members.append(("fitted_at", .string(result.fittedAt.iso8601)))
        members.append(("newly_stored", .int(lookup == .miss ? result.newlyStored : 0)))
        return .object(members)
    }

    /// The models a decision at `decisionTime` forecasts from: those fitted at its grid time of
    /// `RefitSchedule.server`, or, when the bars before that grid time do not fit (too few yet),
    /// models fitted at the decision time itself. With `keep` the fit is taken from and kept in the
    /// cache; with `prepareNext` (a decision on the newest bars), once the next grid time has passed,
    /// the next fit is prepared in the background, so that it is ready when decisions need it.
    static func fittedModels(_ instrument: Symbol, series: BarSeries, reference: (symbol: String, series: BarSeries)?, decisionTime: Timestamp,
                             horizons: [Horizon], keep: Bool, prepareNext: Bool, dependencies: ServerDependencies) async throws -> Forecaster.FittedModels {
        let schedule = RefitSchedule.server
        let fitTime = schedule.fitTime(forDecisionAt: decisionTime, timeframe: series.timeframe)
        let next = schedule.nextFitTime(after: fitTime, timeframe: series.timeframe)
        if keep, prepareNext, next <= decisionTime, let question = fitQuestion(instrument, series: series, reference: reference, at: next, horizons: horizons) {
            dependencies.predictions.fits.prepare(for: question.key, compute: question.compute)
        }
        if let question = fitQuestion(instrument, series: series, reference: reference, at: fitTime, horizons: horizons) {
            do {
                let models = keep ? try await dependencies.predictions.fits.value(for: question.key, compute: question.compute).0 : try await question.compute().0
                return models.replacingReference(reference?.series)
            } catch is PredictionError {
                // The bars closed by the grid time do not fit (too few yet): fitted at the decision time below.
            }
        }
        return try await ProblemDetails.unprocessable { () async throws(PredictionError) in
            try await fit(series, reference: reference?.series, at: decisionTime, horizons: horizons).replacingReference(reference?.series)
        }
    }

    /// Models fitted at `time` on the window of `series` closed by then (and of the reference's),
    /// kept without the reference's bars: each forecast brings its own, newer copy. Off the
    /// cooperative pool: a fit on 10,000 bars computes for about 0.2 s without suspending, and
    /// every series crosses a grid time at the same bar, so the fits of a few symbols held both
    /// threads of a two-core server and every request of the process waited.
    static func fit(_ series: BarSeries, reference: BarSeries?, at time: Timestamp, horizons: [Horizon]) async throws(PredictionError) -> Forecaster.FittedModels {
        try await fitLanes.run { () throws(PredictionError) -> Forecaster.FittedModels in
            var forecaster = Forecaster()
            if let reference { forecaster.reference = try window(reference, closedBy: time) }
            return try forecaster.fit(window(series, closedBy: time), at: time, horizons: horizons).replacingReference(nil)
        }
    }

    /// The bars a fit at `time` sees: those opened in the `maximumBars` bar lengths before it and closed by it
    /// (a span of time, so that gaps in the bars never make it depend on how many were loaded).
    static func window(_ series: BarSeries, closedBy time: Timestamp) throws(PredictionError) -> BarSeries {
        try series.asOf(time).series(closedBy: time, limit: maximumBars).opening(from: windowStart(closedBy: time, timeframe: series.timeframe))
    }

    /// The earliest open time of the bars a fit at `time` sees.
    static func windowStart(closedBy time: Timestamp, timeframe: Timeframe) -> Timestamp {
        time.adding(milliseconds: -Int64(maximumBars) * timeframe.milliseconds)
    }

    /// Where fits run: off the cooperative pool, as many at once as the machine has cores (two at
    /// least); more wait their turn rather than each taking a thread and a fit's memory at once.
    static let fitLanes = BlockingWorkLanes(width: max(2, ProcessInfo.processInfo.activeProcessorCount))

    /// The cache key of the fit at grid time `fitTime` (from the bars of its window, and the
    /// reference's) and the computation that makes it; nil when no bar closed by then.
    static func fitQuestion(_ instrument: Symbol, series: BarSeries, reference: (symbol: String, series: BarSeries)?, at fitTime: Timestamp,
                            horizons: [Horizon]) -> (key: PredictionCaches.FitKey, compute: @Sendable () async throws -> (Forecaster.FittedModels, bytes: Int))? {
        let visible = series.asOf(fitTime)
        guard visible.count > 0 else { return nil }
        let start = windowStart(closedBy: fitTime, timeframe: series.timeframe).millisecondsSinceEpoch
        var hasher = Hasher()
        fingerprint(visible, openingFrom: start, into: &hasher)
        if let reference { fingerprint(reference.series.asOf(fitTime), openingFrom: start, into: &hasher) }
        let key = PredictionCaches.FitKey(symbol: instrument.rawValue, timeframe: series.timeframe, fitTime: fitTime, fingerprint: hasher.finalize(),
                                          horizons: horizons, reference: reference?.symbol, modelVersion: Forecaster.modelVersion)
        return (key, { () async throws -> (Forecaster.FittedModels, bytes: Int) in
            let models = try await fit(series, reference: reference?.series, at: fitTime, horizons: horizons)
            return (models, PredictionCaches.bytes(of: models))
        })
    }

    /// Adds the bars that open at or after `start` (ms) to `hasher`: their times and prices, bit for bit.
    static func fingerprint(_ bars: PointInTimeBars, openingFrom start: Int64, into hasher: inout Hasher) {
        let first = bars.openTimes.firstIndex { $0 >= start } ?? bars.openTimes.endIndex
        hasher.combine(bars.openTimes.endIndex - first)
        for index in first..<bars.openTimes.endIndex {
            hasher.combine(bars.openTimes[index])
            hasher.combine(bars.opens[index].bitPattern)
            hasher.combine(bars.highs[index].bitPattern)
            hasher.combine(bars.lows[index].bitPattern)
            hasher.combine(bars.closes[index].bitPattern)
            hasher.combine(bars.volumes[index].bitPattern)
        }
    }

    /// The regimes of a symbol's newest stored bars, from the cache while the bars are unchanged.
    static func regimes(_ symbol: String, timeframe requested: Timeframe?, states: Int, dependencies: ServerDependencies) async throws -> RegimeDetector.Report {
        let (instrument, chosen) = try storedSeries(symbol, timeframe: requested, in: try await dependencies.store.instruments())
        return try await regimes(instrument, chosen, states: states, dependencies: dependencies)
    }

    /// The regimes of a chosen series' newest bars, from the cache while the bars are unchanged.
    static func regimes(_ instrument: Symbol, _ chosen: BarSeriesSummary, states: Int, dependencies: ServerDependencies) async throws -> RegimeDetector.Report {
        let key = PredictionCaches.RegimeKey(series: seriesVersion(instrument, chosen, end: nil), timeframe: chosen.timeframe, states: states)
        return try await dependencies.predictions.regimes.value(for: key) {
            let (series, _) = try await loadSeries(instrument, chosen, end: nil, store: dependencies.store, windows: dependencies.predictions.windows)
            let report = try ProblemDetails.unprocessable { () throws(PredictionError) in try RegimeDetector(hmmStates: states).detect(series, at: series.lastCloseTime!) }
            return (report, PredictionCaches.bytes(of: report))
        }.0
    }

    static func symbolParameter(_ context: APIRequestContext) throws -> String {
        // Path parameters arrive percent-encoded (BTC%2FUSD); decode before checking the rule.
        guard let raw = context.parameters.get("symbol"), let text = raw.removingPercentEncoding, Symbol(text) != nil else {
            throw ProblemDetails.invalidParameter("symbol", "must be \(Symbol.rule)")
        }
        return text
    }

    static func timeframe(_ query: QueryValidator) throws -> Timeframe? {
        try query.parsed("timeframe", accepted: "one of \(Timeframe.codes.joined(separator: ", "))") { Timeframe(rawValue: $0) }
    }

    /// The gaps between consecutive bars among the newest `newest` of the series.
    static func gapCount(_ series: BarSeries, newest: Int) -> Int {
        guard series.count > 1 else { return 0 }
        var gaps = 0
        for index in max(1, series.count - newest + 1)..<series.count where series.closeTime(ofBar: index).millisecondsSinceEpoch - series.closeTime(ofBar: index - 1).millisecondsSinceEpoch != series.timeframe.milliseconds {
            gaps += 1
        }
        return gaps
    }

    /// The newest bars (at most `maximumBars`) of a stored OHLCV series up to `end`: the requested
    /// timeframe, or the symbol's shortest OHLCV series.
    static func load(_ symbolText: String, timeframe requested: Timeframe?, end: Timestamp?, store: any Store,
                     start: Timestamp? = nil) async throws -> (BarSeries, Timeframe) {
        let (series, timeframe, _) = try await loadWithClose(symbolText, timeframe: requested, end: end, store: store, start: start)
        return (series, timeframe)
    }

    /// As `load`, with the exact decimal text of the newest close.
    static func loadWithClose(_ symbolText: String, timeframe requested: Timeframe?, end: Timestamp?, store: any Store,
                              start: Timestamp? = nil) async throws -> (BarSeries, Timeframe, String) {
        let (instrument, chosen) = try storedSeries(symbolText, timeframe: requested, in: try await store.instruments())
        let (series, lastClose) = try await loadSeries(instrument, chosen, end: end, store: store, start: start)
        return (series, chosen.timeframe, lastClose)
    }

    /// The stored OHLCV series a request reads: the requested timeframe, or the symbol's shortest.
    static func storedSeries(_ symbolText: String, timeframe requested: Timeframe?, in instruments: [InstrumentSummary]) throws -> (Symbol, BarSeriesSummary) {
        guard let summary = instruments.first(where: { $0.instrument.symbol.rawValue == symbolText }) else {
            throw ProblemDetails(.notFound, detail: "no instrument \(symbolText) is stored")
        }
        let candidates = summary.series.filter { $0.kind == .ohlcv && (requested == nil || $0.timeframe == requested) }
        guard let chosen = candidates.min(by: { $0.timeframe < $1.timeframe }), chosen.lastOpenTime != nil else {
            throw ProblemDetails(.unprocessable, detail: "\(symbolText) has no stored OHLCV bars\(requested.map { " at \($0.rawValue)" } ?? ""); predictions need open, high, low and close")
        }
        return (summary.instrument.symbol, chosen)
    }

    /// A chosen series at its revision, up to the newest bar a request reads.
    static func seriesVersion(_ symbol: Symbol, _ chosen: BarSeriesSummary, end: Timestamp?) -> PredictionCaches.SeriesVersion {
        PredictionCaches.SeriesVersion(symbol: symbol.rawValue, revision: chosen.revision, newestOpenTime: newestOpenTime(chosen, end: end))
    }

    /// The open time of the newest bar a request reads: the series' newest, or the newest closed by `end`.
    static func newestOpenTime(_ series: BarSeriesSummary, end: Timestamp?) -> Int64 {
        let lastOpen = series.lastOpenTime?.millisecondsSinceEpoch ?? .min
        return min(end.map { $0.millisecondsSinceEpoch - series.timeframe.milliseconds } ?? lastOpen, lastOpen)
    }

    /// The newest bars (at most `bars`, `maximumBars` unless told) of a chosen series up to `end`, with the exact text of the newest close.
    /// With `windows`, a request for the series' newest bars reads only those added since the kept ones.
    static func loadSeries(_ symbol: Symbol, _ chosen: BarSeriesSummary, end: Timestamp?, store: any Store,
                           start: Timestamp? = nil, bars: Int = maximumBars, windows: SeriesWindowCache? = nil) async throws -> (BarSeries, String) {
        let timeframe = chosen.timeframe
        let newest = newestOpenTime(chosen, end: end)
        let earliest = Timestamp(millisecondsSinceEpoch: max(newest - Int64(bars - 1) * timeframe.milliseconds,
                                                              start?.millisecondsSinceEpoch ?? .min))
        let loaded: (series: BarSeries, lastClose: String)?
        do {
            if let windows, end == nil, start == nil {
                loaded = try await windows.bars(symbol, chosen, earliest: earliest.millisecondsSinceEpoch, newest: newest, store: store)
            } else {
                loaded = try await store.analyticSeries(symbol: symbol, timeframe: timeframe, start: earliest,
                                                        end: Timestamp(millisecondsSinceEpoch: newest + 1))
            }
        } catch let error as PredictionError {
            throw ProblemDetails(.unprocessable, detail: error.description)
        }
        guard let loaded else {
            throw ProblemDetails(.unprocessable, detail: "\(symbol.rawValue) has no \(timeframe.rawValue) bars in the requested window")
        }
        return loaded
    }
}
