import Foundation
@testable import HTTPServer
import Prediction
import Prometheus
import Storage
import TestSupport
import Testing
import TradingCore
import TradingEngine

@Suite("The series window cache")
struct SeriesWindowCacheTests {
    static let symbol = Symbol("ETH-TEST")!
    static let instrument = Instrument(symbol: symbol, assetClass: .crypto, quoteCurrency: "USD")

    /// A fresh store holding the first `count` bundled hourly bars, and all of them.
    static func store(holding count: Int) async throws -> (SQLStore, [Bar], TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let store = SQLStore(database: try SQLiteDatabase(path: directory.file("windows.sqlite")), clock: FixedClock())
        try await store.migrate()
        let bars = try PredictionAPITests.hourlyBars()
        try await add(Array(bars.prefix(count)), to: store)
        return (store, bars, directory)
    }

    static func add(_ bars: [Bar], to store: SQLStore) async throws {
        _ = try await store.importBars(BarImportBatch(instrument: instrument, timeframe: .oneHour, kind: .ohlcv, bars: bars, source: "test"))
    }

    /// The series' summary as a request sees it.
    static func summary(_ store: SQLStore) async throws -> BarSeriesSummary {
        let instrument = try #require(try await store.instruments().first { $0.instrument.symbol == symbol })
        return try #require(instrument.series.first { $0.timeframe == .oneHour })
    }

    /// What a request compares: each bar's open time and prices, and the newest close's text.
    static func contents(_ read: (BarSeries, String)?) throws -> [String] {
        let (series, lastClose) = try #require(read)
        let bars = series.asOf(try #require(series.lastCloseTime))
        return bars.openTimes.indices.map { index in
            "\(bars.openTimes[index]) \(bars.opens[index]) \(bars.highs[index]) \(bars.lows[index]) \(bars.closes[index]) \(bars.volumes[index])"
        } + [lastClose]
    }

    /// The newest `span` bars read through the cache and straight from the store.
    static func both(_ cache: SeriesWindowCache, _ store: SQLStore, span: Int) async throws -> (cached: [String], whole: [String]) {
        let summary = try await summary(store)
        let newest = try #require(summary.lastOpenTime).millisecondsSinceEpoch
        let earliest = newest - Int64(span - 1) * Timeframe.oneHour.milliseconds
        let cached = try await cache.bars(symbol, summary, earliest: earliest, newest: newest, store: store)
        let whole = try await store.analyticSeries(symbol: symbol, timeframe: .oneHour, start: Timestamp(millisecondsSinceEpoch: earliest),
                                                   end: Timestamp(millisecondsSinceEpoch: newest + 1))
        return (try contents(cached), try contents(whole.map { ($0.series, $0.lastClose) }))
    }

    @Test("bars added one at a time give what a whole read gives, past the kept bound too, reading only the new bars while the span fits",
          arguments: [(span: 30, wholeReads: 1), (span: 40, wholeReads: 1), (span: 41, wholeReads: 61)])
    func addedBarsReadAsAWholeReadWould(span: Int, wholeReads: Int) async throws {
        let (store, bars, directory) = try await Self.store(holding: 100)
        defer { directory.remove() }
        let cache = SeriesWindowCache(maximumSeries: 2, keptBars: 40)
        for next in 100...160 {
            let read = try await Self.both(cache, store, span: span)
            #expect(read.cached == read.whole, "after \(next) bars")
            #expect(read.cached.count == span + 1)
            try await Self.add([bars[next]], to: store)
        }
        #expect(cache.reads.whole == wholeReads)
    }

    @Test("requests racing for the same new bar each get it, and only the first reads the store again")
    func concurrentRequestsShareTheNewBar() async throws {
        let (store, bars, directory) = try await Self.store(holding: 100)
        defer { directory.remove() }
        let cache = SeriesWindowCache(maximumSeries: 2, keptBars: 50)
        _ = try await Self.both(cache, store, span: 50)
        for next in 100..<105 {
            try await Self.add([bars[next]], to: store)
            let reads = try await withThrowingTaskGroup(of: (cached: [String], whole: [String]).self) { group in
                for _ in 0..<8 { group.addTask { try await Self.both(cache, store, span: 50) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for read in reads { #expect(read.cached == read.whole) }
        }
        #expect(cache.reads.whole == 1)
    }

    @Test("the kept columns' memory is reported: at least 48 bytes a kept bar, a few times that at most, the least recently used series dropped")
    func reportsWhatItKeeps() async throws {
        let (store, bars, directory) = try await Self.store(holding: 100)
        defer { directory.remove() }
        let registry = PrometheusCollectorRegistry()
        let cache = SeriesWindowCache(maximumSeries: 1, keptBars: 60, registry: registry)
        func gauge(_ name: String) -> Double? {
            var text: [UInt8] = []
            registry.emit(into: &text)
            return String(decoding: text, as: UTF8.self).split(separator: "\n")
                .first { $0.hasPrefix("orchestrator_cache_\(name){cache=\"series_windows\"} ") }
                .flatMap { Double($0.split(separator: " ").last!) }
        }
        #expect(gauge("size_bytes") == nil || gauge("size_bytes") == 0)
        for next in 100..<130 {
            _ = try await Self.both(cache, store, span: 50)
            let bytes = try #require(gauge("size_bytes"))
            #expect(bytes >= 48 * 50 && bytes <= 4 * 48 * 60, "\(bytes) bytes after \(next) bars")
            #expect(bytes == Double(cache.bytes))
            #expect(gauge("entries") == 1)
            try await Self.add([bars[next]], to: store)
        }
        // Another series takes the only place.
        _ = try await store.importBars(BarImportBatch(instrument: Instrument(symbol: Symbol("SOL-TEST")!, assetClass: .crypto, quoteCurrency: "USD"),
                                                      timeframe: .oneHour, kind: .ohlcv, bars: Array(bars.prefix(10)), source: "test"))
        let other = try #require(try await store.instruments().first { $0.instrument.symbol.rawValue == "SOL-TEST" }?.series.first)
        _ = try await cache.bars(Symbol("SOL-TEST")!, other, earliest: try #require(other.firstOpenTime).millisecondsSinceEpoch,
                                 newest: try #require(other.lastOpenTime).millisecondsSinceEpoch, store: store)
        #expect(gauge("entries") == 1)
        let bytes = try #require(gauge("size_bytes"))
        #expect(bytes >= 48 * 10 && bytes <= 4 * 48 * 10, "\(bytes) bytes")
    }
}
