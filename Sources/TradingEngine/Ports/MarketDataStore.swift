import TradingCore

/// Where instruments and bars live; implemented by the storage adapter.
public protocol MarketDataStore: Sendable {
    /// Writes one series of bars in one transaction: creates the instrument when new, inserts new
    /// bars, updates changed ones and leaves identical ones alone.
    func importBars(_ batch: BarImportBatch) async throws -> BarImportSummary

    /// Writes several series in one transaction (a wide file): all or nothing.
    func importBars(_ batches: [BarImportBatch]) async throws -> [BarImportSummary]

    /// Every instrument with its stored series, ordered by symbol.
    func instruments() async throws -> [InstrumentSummary]

    /// One page of bars in increasing open time.
    func bars(_ query: BarQuery) async throws -> BarPage

    /// Whether any bar is stored (used to decide the first-start sample import).
    func hasAnyBars() async throws -> Bool
}

/// The bars of one instrument and timeframe to import.
public struct BarImportBatch: Sendable {
    /// The instrument the bars belong to (created when it does not exist yet).
    public let instrument: Instrument
    /// The bar length.
    public let timeframe: Timeframe
    /// Full bars or close-only.
    public let kind: BarSeriesKind
    /// The bars, strictly increasing in open time.
    public let bars: [Bar]
    /// Where the bars came from (a file name), recorded with the import.
    public let source: String

    /// Creates a batch.
    public init(instrument: Instrument, timeframe: Timeframe, kind: BarSeriesKind, bars: [Bar], source: String) {
        self.instrument = instrument
        self.timeframe = timeframe
        self.kind = kind
        self.bars = bars
        self.source = source
    }
}

/// What one series import changed.
public struct BarImportSummary: Sendable, Hashable, Codable {
    /// The instrument.
    public let symbol: Symbol
    /// The bar length.
    public let timeframe: Timeframe
    /// Bars in the input.
    public let received: Int
    /// Bars that were not stored before.
    public let inserted: Int
    /// Bars stored before with other values, now replaced.
    public let updated: Int
    /// Bars stored before with the same values.
    public let unchanged: Int

    /// Creates a summary.
    public init(symbol: Symbol, timeframe: Timeframe, received: Int, inserted: Int, updated: Int, unchanged: Int) {
        self.symbol = symbol
        self.timeframe = timeframe
        self.received = received
        self.inserted = inserted
        self.updated = updated
        self.unchanged = unchanged
    }
}

/// An instrument and the bar series stored for it.
public struct InstrumentSummary: Sendable, Hashable {
    /// The instrument.
    public let instrument: Instrument
    /// Its series, ordered by timeframe length.
    public let series: [BarSeriesSummary]

    /// Creates a summary.
    public init(instrument: Instrument, series: [BarSeriesSummary]) {
        self.instrument = instrument
        self.series = series
    }
}

/// The extent of one stored series.
public struct BarSeriesSummary: Sendable, Hashable {
    /// The bar length.
    public let timeframe: Timeframe
    /// Full bars or close-only.
    public let kind: BarSeriesKind
    /// The number of bars stored.
    public let barCount: Int
    /// The first bar's open time.
    public let firstOpenTime: Timestamp?
    /// The last bar's open time.
    public let lastOpenTime: Timestamp?
    /// Moves on with every write to the series' bars: equal revisions, equal bars.
    public let revision: Int64
    /// Moves on with every write that may change a bar other than by adding one after the newest:
    /// equal history revisions, equal bars up to the older summary's newest.
    public let historyRevision: Int64

    /// Creates a summary.
    public init(timeframe: Timeframe, kind: BarSeriesKind, barCount: Int, firstOpenTime: Timestamp?, lastOpenTime: Timestamp?, revision: Int64 = 0,
                historyRevision: Int64 = 0) {
        self.timeframe = timeframe
        self.kind = kind
        self.barCount = barCount
        self.firstOpenTime = firstOpenTime
        self.lastOpenTime = lastOpenTime
        self.revision = revision
        self.historyRevision = historyRevision
    }
}

/// A request for bars: `start ≤ openTime < end`, at most `limit` of them, oldest first.
public struct BarQuery: Sendable, Hashable {
    /// The instrument.
    public let symbol: Symbol
    /// The bar length.
    public let timeframe: Timeframe
    /// The earliest open time included, or the beginning.
    public let start: Timestamp?
    /// The open time excluded, or the end.
    public let end: Timestamp?
    /// The most bars returned.
    public let limit: Int

    /// Creates a query.
    public init(symbol: Symbol, timeframe: Timeframe, start: Timestamp?, end: Timestamp?, limit: Int) {
        self.symbol = symbol
        self.timeframe = timeframe
        self.start = start
        self.end = end
        self.limit = limit
    }
}

/// A page of bars and where the next page starts, if there is one.
public struct BarPage: Sendable {
    /// The bars, oldest first, as stored (exact decimal text).
    public let bars: [StoredBar]
    /// The open time to pass as `start` for the next page, nil on the last page.
    public let nextStart: Timestamp?
    /// Whether the instrument and timeframe exist at all (to tell "no data" from "unknown").
    public let seriesExists: Bool

    /// Creates a page.
    public init(bars: [StoredBar], nextStart: Timestamp?, seriesExists: Bool) {
        self.bars = bars
        self.nextStart = nextStart
        self.seriesExists = seriesExists
    }
}

/// A bar as stored: exact decimal text, so serving it needs no arithmetic.
public struct StoredBar: Sendable, Hashable {
    /// The bar's open time.
    public let openTime: Timestamp
    /// Canonical decimal text of the open price.
    public let open: String
    /// Canonical decimal text of the high price.
    public let high: String
    /// Canonical decimal text of the low price.
    public let low: String
    /// Canonical decimal text of the close price.
    public let close: String
    /// Canonical decimal text of the volume, nil when unknown.
    public let volume: String?

    /// Creates a stored bar.
    public init(openTime: Timestamp, open: String, high: String, low: String, close: String, volume: String?) {
        self.openTime = openTime
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }

    /// Creates the stored form of a domain bar.
    public init(_ bar: Bar) {
        self.init(openTime: bar.openTime, open: bar.open.description, high: bar.high.description, low: bar.low.description,
                  close: bar.close.description, volume: bar.volume?.description)
    }
}

extension MarketDataStore {
    /// Every stored bar of a series, oldest first, read page by page.
    public func allBars(symbol: Symbol, timeframe: Timeframe) async throws -> [Bar] {
        var bars: [Bar] = []
        var start: Timestamp?
        repeat {
            let page = try await self.bars(BarQuery(symbol: symbol, timeframe: timeframe, start: start, end: nil, limit: 10_000))
            for stored in page.bars {
                guard let open = FixedDecimal(stored.open), let high = FixedDecimal(stored.high), let low = FixedDecimal(stored.low),
                      let close = FixedDecimal(stored.close) else {
                    throw UnreadableStoredBar(description: "an unreadable stored price in \(symbol.rawValue) \(timeframe.rawValue) at \(stored.openTime.iso8601)")
                }
                bars.append(try Bar(openTime: stored.openTime, open: Price(open), high: Price(high), low: Price(low), close: Price(close),
                                    volume: stored.volume.flatMap(FixedDecimal.init).map(Quantity.init)))
            }
            start = page.nextStart
        } while start != nil
        return bars
    }
}

/// A stored bar whose decimal text cannot be read back.
public struct UnreadableStoredBar: Error, Sendable, CustomStringConvertible {
    public let description: String
}
