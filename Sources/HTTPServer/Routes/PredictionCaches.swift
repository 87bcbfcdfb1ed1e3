import Prediction
import Prometheus
import TradingCore

/// The computed forecasts and regimes of the prediction routes, kept until the bars they were
/// computed from change. A key holds the series' revision (moved on by every write to its bars),
/// so a new bar, or a corrected old one, makes a new key: nothing stale is served and nothing has
/// to be invalidated by hand; superseded results age out by least recent use.
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
        /// Forecast rows the computation stored (requests answered from the cache store none).
        let newlyStored: Int

        /// An estimate of the memory it holds.
        var bytes: Int { 256 + forecasts.count * 320 }
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

    /// The caches, sharing `capacityBytes` between them.
    init(capacityBytes: Int, registry: PrometheusCollectorRegistry) {
        // A series' revision only rises (every write to its bars moves it on): a forecast or regime
        // report of an older revision is never asked for again once a newer one is computed.
        forecasts = ComputationCache(name: "forecasts", capacityBytes: capacityBytes / 2, registry: registry) { key in
            .init(family: ForecastKey(series: key.series.unversioned, timeframe: key.timeframe, decisionTime: key.decisionTime, horizons: key.horizons,
                                      reference: key.reference?.unversioned, modelVersion: key.modelVersion),
                  generation: key.series.revision + (key.reference?.revision ?? 0))
        }
        regimes = ComputationCache(name: "regimes", capacityBytes: capacityBytes / 2, registry: registry) { key in
            .init(family: RegimeKey(series: key.series.unversioned, timeframe: key.timeframe, states: key.states), generation: key.series.revision)
        }
    }

    /// An estimate of a regime report's memory.
    static func bytes(of report: RegimeDetector.Report) -> Int {
        1_024 + (report.hmm.statePath.count + report.hmm.restartLogLikelihoods.count + report.hmm.lastPosterior.count) * 8
    }
}
