import Prediction
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
        let completeFrom: Int64
        let series: BarSeries
        let lastClose: String
        var lastUse: UInt64
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

    /// A cache of at most `maximumSeries` series of at most `keptBars` bars each.
    init(maximumSeries: Int, keptBars: Int) {
        self.maximumSeries = maximumSeries
        self.keptBars = keptBars
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
        let kept = windows.withLock { state -> Window? in
            state.uses += 1
            state.entries[key]?.lastUse = state.uses
            return state.entries[key]
        }
        if let kept, kept.historyRevision == summary.historyRevision, kept.completeFrom <= earliest,
           let keptNewest = kept.series.lastCloseTime.map({ $0.millisecondsSinceEpoch - summary.timeframe.milliseconds }), keptNewest <= newest {
            addedReads.add(1, ordering: .relaxed)
            let start = Timestamp(millisecondsSinceEpoch: earliest)
            guard keptNewest < newest else { return (kept.series.opening(from: start), kept.lastClose) }
            if let added = try await store.analyticSeries(symbol: symbol, timeframe: summary.timeframe, start: Timestamp(millisecondsSinceEpoch: keptNewest + 1),
                                                          end: Timestamp(millisecondsSinceEpoch: newest + 1)) {
                var series = kept.series
                try series.append(contentsOf: added.series)
                let completeFrom = trim(&series, completeFrom: kept.completeFrom)
                keep(Window(historyRevision: kept.historyRevision, completeFrom: completeFrom, series: series, lastClose: added.lastClose, lastUse: 0), for: key)
                // (A span longer than the kept bars is read whole below.)
                if completeFrom <= earliest { return (series.opening(from: start), added.lastClose) }
            } else {
                return (kept.series.opening(from: start), kept.lastClose)
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
        }
    }
}
