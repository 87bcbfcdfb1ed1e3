import Prediction
import Prometheus
import Synchronization
import TradingCore
import TradingEngine

/// The newest bars of the stored series the prediction routes read, kept between requests in
/// analytic form. While a series' history revision stands (no stored bar changed but by adding
/// newer ones), a request reads only the bars added since the kept ones, instead of up to 10,000
/// each time a bar arrives; a corrected or filled-in bar moves the history revision on, and the
/// next request reads the whole window again. At most `maximumSeries` series are kept, the least
/// recently used dropped first, each trimmed to its newest `keptBars`.
final class SeriesWindowCache: Sendable {
    /// A series by symbol and timeframe.
    private struct Key: Hashable {
        let symbol: String
        let timeframe: Timeframe
    }

    /// The kept bars of one series.
    private struct Window {
        let historyRevision: Int64
        /// The earliest open time from which the kept bars are every stored bar.
        var completeFrom: Int64
        var series: BarSeries
        var lastClose: String
        var lastUse: UInt64

        /// What a request checks before reading the bars added since.
        var extent: Extent { Extent(historyRevision: historyRevision, completeFrom: completeFrom, newestOpenTime: series.lastCloseTime.map { $0.millisecondsSinceEpoch - series.timeframe.milliseconds }) }
    }

    /// A kept window without its bars: a request holds no reference to the columns while it reads
    /// the store, so that the window's columns can grow in place afterwards.
    private struct Extent {
        let historyRevision: Int64
        let completeFrom: Int64
        let newestOpenTime: Int64?
    }

    /// How a request's bars were read (tests).
    enum Read: Sendable {
        /// The whole window from the store.
        case whole
        /// Only the bars added since the kept ones (none when nothing was added).
        case added
    }

    private let windows = Mutex<(entries: [Key: Window], uses: UInt64)>(([:], 0))
    private let wholeReads = Atomic<Int>(0)
    private let addedReads = Atomic<Int>(0)
    /// The most series kept.
    let maximumSeries: Int
    /// The most bars kept of a series.
    let keptBars: Int
    /// The memory of the kept columns and the series kept, as `orchestrator_cache_size_bytes` and
    /// `orchestrator_cache_entries` with `cache="series_windows"`.
    private let gauges: (bytes: Gauge, entries: Gauge)?

    /// A cache of at most `maximumSeries` series of at most `keptBars` bars each, reporting what it
    /// keeps to `registry` when given.
    init(maximumSeries: Int, keptBars: Int, registry: PrometheusCollectorRegistry? = nil) {
        self.maximumSeries = maximumSeries
        self.keptBars = keptBars
        gauges = registry.map { cacheSizeGauges(name: "series_windows", registry: $0) }
    }

    /// The bytes the kept columns hold (their capacity, which grows by doubling).
    var bytes: Int { windows.withLock { Self.storageBytes($0.entries) } }

    /// The bytes the columns of `entries` hold.
    private static func storageBytes(_ entries: [Key: Window]) -> Int {
        entries.values.reduce(0) { $0 + $1.series.storageBytes }
    }

    /// Updates the gauges from the kept windows (under the lock).
    private func report(_ entries: [Key: Window]) {
        guard let gauges else { return }
        gauges.bytes.set(to: Double(Self.storageBytes(entries)))
        gauges.entries.set(to: Double(entries.count))
    }

    /// The reads made so far, by kind (tests).
    var reads: (whole: Int, added: Int) { (wholeReads.load(ordering: .relaxed), addedReads.load(ordering: .relaxed)) }

    /// Every stored bar of the summarised series opened from `earliest` to `newest`, the same as a
    /// read of the store would give, with the exact text of the newest close; nil when the store
    /// holds none in that span.
    func bars(_ symbol: Symbol, _ summary: BarSeriesSummary, earliest: Int64, newest: Int64, store: any Store) async throws -> (BarSeries, String)? {
        guard let (series, lastClose) = try await read(symbol, summary, earliest: earliest, newest: newest, store: store), series.count > 0 else { return nil }
        return (series, lastClose)
    }

    /// `bars(…)`, an empty series included.
    private func read(_ symbol: Symbol, _ summary: BarSeriesSummary, earliest: Int64, newest: Int64, store: any Store) async throws -> (BarSeries, String)? {
        let key = Key(symbol: symbol.rawValue, timeframe: summary.timeframe)
        let kept = windows.withLock { state -> Extent? in
            state.uses += 1
            state.entries[key]?.lastUse = state.uses
            return state.entries[key]?.extent
        }
        if let kept, kept.historyRevision == summary.historyRevision, kept.completeFrom <= earliest, let keptNewest = kept.newestOpenTime, keptNewest <= newest {
            addedReads.add(1, ordering: .relaxed)
            var added: (series: BarSeries, lastClose: String)?
            if keptNewest < newest {
                added = try await store.analyticSeries(symbol: symbol, timeframe: summary.timeframe, start: Timestamp(millisecondsSinceEpoch: keptNewest + 1),
                                                       end: Timestamp(millisecondsSinceEpoch: newest + 1))
            }
            // (A span longer than the kept bars, or a window another request replaced meanwhile, is read whole below.)
            if let window = try advance(key, from: kept, by: added, to: newest), window.completeFrom <= earliest {
                return (window.series.opening(from: Timestamp(millisecondsSinceEpoch: earliest)), window.lastClose)
            }
        }
        wholeReads.add(1, ordering: .relaxed)
        guard let loaded = try await store.analyticSeries(symbol: symbol, timeframe: summary.timeframe, start: Timestamp(millisecondsSinceEpoch: earliest),
                                                          end: Timestamp(millisecondsSinceEpoch: newest + 1)) else { return nil }
        var series = loaded.series
        let completeFrom = trim(&series, completeFrom: earliest)
        keep(Window(historyRevision: summary.historyRevision, completeFrom: completeFrom, series: series, lastClose: loaded.lastClose, lastUse: 0), for: key)
        return (loaded.series, loaded.lastClose)
    }

    /// The kept window of `key` moved on to `newest` by the bars `added` after the `kept` extent
    /// (none: no bar was stored since); nil when another request replaced the window meanwhile.
    /// The window is taken out of the cache for the append, so that its columns are not shared and
    /// grow where they are; appended to a shared copy, each new bar copied the whole window (about
    /// 480 KB at 10,000 bars, into arrays with room to double) for every series.
    private func advance(_ key: Key, from kept: Extent, by added: (series: BarSeries, lastClose: String)?, to newest: Int64) throws -> Window? {
        try windows.withLock { state throws -> Window? in
            guard var window = state.entries.removeValue(forKey: key) else { return nil }
            defer {
                state.uses += 1
                window.lastUse = state.uses
                state.entries[key] = window
                report(state.entries)
            }
            let extent = window.extent
            guard extent.historyRevision == kept.historyRevision else { return nil }
            // Already moved on to `newest` by another request, or nothing to add.
            if extent.newestOpenTime == newest { return window }
            guard extent.newestOpenTime == kept.newestOpenTime else { return nil }
            guard let added else { return window }
            try window.series.append(contentsOf: added.series)
            window.completeFrom = trim(&window.series, completeFrom: window.completeFrom)
            window.lastClose = added.lastClose
            return window
        }
    }

    /// Drops the oldest bars beyond `keptBars`; returns the open time from which the rest is complete.
    private func trim(_ series: inout BarSeries, completeFrom: Int64) -> Int64 {
        guard series.count > keptBars else { return completeFrom }
        series.removeFirst(series.count - keptBars)
        return series.closeTime(ofBar: 0).millisecondsSinceEpoch - series.timeframe.milliseconds
    }

    /// Keeps a window, dropping the least recently used series beyond the bound.
    private func keep(_ window: Window, for key: Key) {
        windows.withLock { state in
            state.uses += 1
            var window = window
            window.lastUse = state.uses
            state.entries[key] = window
            while state.entries.count > maximumSeries, let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                state.entries.removeValue(forKey: oldest)
            }
            report(state.entries)
        }
    }
}
