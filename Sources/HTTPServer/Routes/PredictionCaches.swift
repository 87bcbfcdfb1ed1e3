import Prediction
import Prometheus
import TradingCore

/// The computed forecasts and regimes of the prediction routes, kept until the bars they were
/// computed from change, and the fitted forecast models they come from. A key holds the series'
/// revision (moved on by every write to its bars), or for a fit a fingerprint of the bars it saw,
/// so a new bar, or a corrected old one, makes a new key: nothing stale is served and nothing has
/// to be invalidated by hand; superseded results are dropped.
struct PredictionCaches: Sendable {
    /// What a forecast depends on: the bars (series, its revision, the newest bar read), the
    /// decision time, the horizons, the reference series and the forecaster's version.
    struct ForecastKey: Hashable, Sendable {
        let series: SeriesVersion
        let timeframe: Timeframe
        let decisionTime: Timestamp?
        let horizons: [Horizon]
        let reference: SeriesVersion?
        let modelVersion: String
    }

    /// A stored series at one revision, up to one bar.
    struct SeriesVersion: Hashable, Sendable {
        let symbol: String
        let revision: Int64
        let newestOpenTime: Int64

        /// The series with its version set aside.
        var unversioned: SeriesVersion { SeriesVersion(symbol: symbol, revision: 0, newestOpenTime: 0) }
    }

    /// One computed forecast document and what the route adds to it.
    struct ForecastResult: Sendable {
        let forecasts: [Forecast]
        let gaps: Int
        /// The data time of the fit the forecasts come from.
        let fittedAt: Timestamp
        /// Forecast rows the computation stored (requests answered from the cache store none).
        let newlyStored: Int

        /// An estimate of the memory it holds.
        var bytes: Int { 256 + forecasts.count * 320 }
    }

    /// What a fit of the forecast models depends on: the series, the grid time of the schedule it
    /// was fitted at, a fingerprint of the bars it saw (so a corrected old bar refits), the
    /// horizons, the reference symbol and the forecaster's version.
    struct FitKey: Hashable, Sendable {
        let symbol: String
        let timeframe: Timeframe
        let fitTime: Timestamp
        let fingerprint: Int
        let horizons: [Horizon]
        let reference: String?
        let modelVersion: String
    }

    /// What a regime report depends on.
    struct RegimeKey: Hashable, Sendable {
        let series: SeriesVersion
        let timeframe: Timeframe
        let states: Int
    }

    /// Forecasts by key.
    let forecasts: ComputationCache<ForecastKey, ForecastResult>
    /// Regime reports by key.
    let regimes: ComputationCache<RegimeKey, RegimeDetector.Report>
    /// Fitted forecast models by key (kept without their reference series, which each forecast brings newer).
    let fits: ComputationCache<FitKey, Forecaster.FittedModels>
    /// The newest bars of the series read, so that a new bar costs a read of that bar (32 series of
    /// about 10,100 bars, more than an alerts request's 20: under 16 MB of bars, in columns whose
    /// capacity can be twice that).
    let windows: SeriesWindowCache

    /// The caches, sharing `capacityBytes` between them (the fits, a few kilobytes each, take a tenth).
    init(capacityBytes: Int, registry: PrometheusCollectorRegistry) {
        windows = SeriesWindowCache(maximumSeries: 32, keptBars: PredictionRoutes.maximumBars + 2 * (RefitSchedule.server.everyBars + RefitSchedule.server.leadBars),
                                    registry: registry)
        // A series' revision only rises (every write to its bars moves it on): a forecast or regime
        // report of an older revision is never asked for again once a newer one is computed.
        forecasts = ComputationCache(name: "forecasts", capacityBytes: capacityBytes * 9 / 20, registry: registry) { key in
            .init(family: ForecastKey(series: key.series.unversioned, timeframe: key.timeframe, decisionTime: key.decisionTime, horizons: key.horizons,
                                      reference: key.reference?.unversioned, modelVersion: key.modelVersion),
                  generation: key.series.revision + (key.reference?.revision ?? 0))
        }
        regimes = ComputationCache(name: "regimes", capacityBytes: capacityBytes * 9 / 20, registry: registry) { key in
            .init(family: RegimeKey(series: key.series.unversioned, timeframe: key.timeframe, states: key.states), generation: key.series.revision)
        }
        // Two generations: decisions still forecast from the previous grid time's fit while the next one is fitted ahead of them.
        fits = ComputationCache(name: "fits", capacityBytes: capacityBytes / 10, registry: registry, generationsKept: 2) { key in
            .init(family: FitKey(symbol: key.symbol, timeframe: key.timeframe, fitTime: Timestamp(millisecondsSinceEpoch: 0), fingerprint: 0,
                                 horizons: key.horizons, reference: key.reference, modelVersion: key.modelVersion),
                  generation: key.fitTime.millisecondsSinceEpoch)
        }
    }

    /// An estimate of a regime report's memory.
    static func bytes(of report: RegimeDetector.Report) -> Int {
        1_024 + (report.hmm.statePath.count + report.hmm.restartLogLikelihoods.count + report.hmm.lastPosterior.count) * 8
    }

    /// An estimate of a fit's memory: the GARCH fit's variances (up to 5,000), the coefficients and scalers per horizon.
    static func bytes(of fit: Forecaster.FittedModels) -> Int { 42_000 + fit.horizonCount * 2_048 }
}
