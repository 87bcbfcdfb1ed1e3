import Foundation
import Storage
import TestSupport
import Testing
import TradingCore
import TradingEngine

/// The same behaviour, checked on every back end: SQLite always, PostgreSQL when available.
@Suite("Store conformance", .serialized)
struct StoreConformanceTests {
    let btc = Instrument(symbol: Symbol("BTC-USD")!, assetClass: .crypto, quoteCurrency: "USD")

    func batch(_ bars: [Bar], instrument: Instrument? = nil, kind: BarSeriesKind = .ohlcv, timeframe: Timeframe = .oneHour) -> BarImportBatch {
        BarImportBatch(instrument: instrument ?? btc, timeframe: timeframe, kind: kind, bars: bars, source: "test.csv")
    }

    @Test("migrations apply once and record their version", arguments: Backend.available)
    func migrationsApplyOnce(backend: Backend) async throws {
        try await withStore(backend, migrate: false) { (fixture: StoreFixture) async throws in
            #expect(try await fixture.store.migrate() == Array(1...Schema.latestVersion))
            #expect(try await fixture.store.migrate() == [])
            #expect(try await fixture.store.schemaVersion() == Schema.latestVersion)
        }
    }

    @Test("two processes migrating at once apply each migration exactly once", arguments: Backend.available)
    func concurrentMigrations(backend: Backend) async throws {
        try await withStore(backend, migrate: false) { (fixture: StoreFixture) async throws in
            let others = try await [fixture.openAnother(), fixture.openAnother(), fixture.openAnother()]
            let results = try await withThrowingTaskGroup(of: [Int].self) { group in
                for store in others + [fixture.store] { group.addTask { try await store.migrate() } }
                return try await group.reduce(into: [[Int]]()) { $0.append($1) }
            }
            #expect(results.flatMap { $0 }.sorted() == Array(1...Schema.latestVersion))
            for store in others { try await store.close() }
        }
    }

    @Test("an import inserts new bars and reports them", arguments: Backend.available)
    func importInserts(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let summary = try await fixture.store.importBars(batch(try hourlyBars(count: 1200)))
            #expect(summary.received == 1200 && summary.inserted == 1200 && summary.updated == 0 && summary.unchanged == 0)
            let instruments = try await fixture.store.instruments()
            #expect(instruments.count == 1)
            let series = try #require(instruments.first?.series.first)
            #expect(series.barCount == 1200 && series.kind == .ohlcv && series.timeframe == .oneHour)
            #expect(series.firstOpenTime == Timestamp(iso8601: "2024-01-01T00:00:00Z"))
            #expect(try await fixture.store.hasAnyBars())
        }
    }

    @Test("a series' history revision moves on only when a write may change a bar other than by adding one after the newest",
          arguments: Backend.available)
    func historyRevisionFollowsCorrections(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let bars = try hourlyBars(count: 60)
            func summary() async throws -> BarSeriesSummary { try #require(try await fixture.store.instruments().first?.series.first) }
            _ = try await fixture.store.importBars(batch(Array(bars[10..<40])))
            let first = try await summary()
            // Bars after the newest: the bars before are as they were.
            _ = try await fixture.store.importBars(batch(Array(bars[40..<50])))
            let appended = try await summary()
            #expect(appended.historyRevision == first.historyRevision && appended.revision > first.revision)
            // The same bars again change nothing.
            _ = try await fixture.store.importBars(batch(Array(bars[30..<50])))
            #expect(try await summary().historyRevision == first.historyRevision)
            // Older bars filled in, or an old bar corrected along with new ones: the history changed.
            _ = try await fixture.store.importBars(batch(Array(bars[0..<10])))
            let filled = try await summary()
            #expect(filled.historyRevision > appended.historyRevision)
            let corrected = try Bar(openTime: bars[20].openTime, open: bars[20].open, high: bars[20].high, low: bars[20].low, close: bars[20].high, volume: nil)
            _ = try await fixture.store.importBars(batch([corrected] + Array(bars[50..<55])))
            #expect(try await summary().historyRevision > filled.historyRevision)
        }
    }

    @Test("re-importing the same bars adds nothing; changed bars are updated", arguments: Backend.available)
    func importIsIdempotent(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let bars = try hourlyBars(count: 50)
            _ = try await fixture.store.importBars(batch(bars))
            let again = try await fixture.store.importBars(batch(bars))
            #expect(again.inserted == 0 && again.updated == 0 && again.unchanged == 50)
            var changed = bars
            changed[10] = try Bar(openTime: bars[10].openTime, open: bars[10].open, high: bars[10].high, low: bars[10].low,
                                  close: bars[10].high, volume: nil)
            changed += try hourlyBars(count: 5, startingAt: "2024-01-03T02:00:00Z")
            let third = try await fixture.store.importBars(batch(changed))
            #expect(third.inserted == 5 && third.updated == 1 && third.unchanged == 49)
            let page = try await fixture.store.bars(BarQuery(symbol: btc.symbol, timeframe: .oneHour, start: bars[10].openTime, end: nil, limit: 1))
            #expect(page.bars.first?.close == bars[10].high.description)
            #expect(page.bars.first?.volume == nil)
            #expect(try await fixture.store.instruments().first?.series.first?.barCount == 55)
        }
    }

    @Test("a write whose later statement fails leaves nothing of the earlier ones", arguments: Backend.available)
    func writesAreAtomic(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            await #expect(throws: (any Error).self) {
                try await fixture.store.database.write([
                    SQLStatement("INSERT INTO instruments (symbol, asset_class, created_at) VALUES (?, ?, ?)", [.text("ABC"), .text("equity"), .integer(0)]),
                    SQLStatement("INSERT INTO no_such_table (x) VALUES (1)"),
                ])
            }
            #expect(try await fixture.store.instruments().isEmpty)
        }
    }

    @Test("a multi-series import with one bad series is refused whole", arguments: Backend.available)
    func failedImportWritesNothing(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            _ = try await fixture.store.importBars(batch(try hourlyBars(count: 3)))
            let eth = Instrument(symbol: Symbol("ETH-USD")!, assetClass: .crypto, quoteCurrency: "USD")
            // The second series clashes with the stored kind, so the whole import must be refused.
            await #expect(throws: StoreError.self) {
                _ = try await fixture.store.importBars([batch(try hourlyBars(count: 3), instrument: eth),
                                                        batch(try hourlyBars(count: 3), kind: .closeOnly)])
            }
            #expect(try await fixture.store.instruments().map(\.instrument.symbol.rawValue) == ["BTC-USD"])
        }
    }

    @Test("bars come back in pages, oldest first, within start and end", arguments: Backend.available)
    func paging(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let bars = try hourlyBars(count: 25)
            _ = try await fixture.store.importBars(batch(bars))
            var start: Timestamp? = nil
            var seen: [StoredBar] = []
            repeat {
                let page = try await fixture.store.bars(BarQuery(symbol: btc.symbol, timeframe: .oneHour, start: start, end: nil, limit: 10))
                seen += page.bars
                start = page.nextStart
            } while start != nil
            #expect(seen == bars.map(StoredBar.init))
            let window = try await fixture.store.bars(BarQuery(symbol: btc.symbol, timeframe: .oneHour, start: bars[3].openTime,
                                                               end: bars[6].openTime, limit: 100))
            #expect(window.bars.map(\.openTime) == bars[3..<6].map(\.openTime))
            #expect(window.nextStart == nil)
            let unknown = try await fixture.store.bars(BarQuery(symbol: Symbol("NOPE")!, timeframe: .oneHour, start: nil, end: nil, limit: 10))
            #expect(!unknown.seriesExists)
            let empty = try await fixture.store.bars(BarQuery(symbol: btc.symbol, timeframe: .oneHour, start: Timestamp(iso8601: "2030-01-01"), end: nil, limit: 10))
            #expect(empty.seriesExists && empty.bars.isEmpty)
        }
    }

    @Test("decimal text survives storage exactly", arguments: Backend.available)
    func exactDecimals(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let price = Price(FixedDecimal("0.000000000000000053")!)
            let bar = try Bar(openTime: Timestamp(iso8601: "2024-01-01")!, open: price, high: price, low: price, close: price,
                              volume: Quantity(FixedDecimal("170141183460469231731.687303715884105727")!))
            _ = try await fixture.store.importBars(batch([bar], timeframe: .oneDay))
            let page = try await fixture.store.bars(BarQuery(symbol: btc.symbol, timeframe: .oneDay, start: nil, end: nil, limit: 1))
            #expect(page.bars == [StoredBar(bar)])
        }
    }

    @Test("API keys are stored as hashes, listed, found and revoked", arguments: Backend.available)
    func apiKeys(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let issuer = APIKeyIssuer(store: fixture.store, clock: fixture.clock)
            let (key, record) = try await issuer.issue(name: "ci", role: .trader)
            #expect(record.hash == APIKeyCodec.hash(key) && record.hash != key && record.prefix == String(key.prefix(12)))
            #expect(try await fixture.store.apiKey(hash: APIKeyCodec.hash(key)) == record)
            #expect(try await fixture.store.activeAPIKeyCount(role: .trader) == 1)
            fixture.clock.advance(milliseconds: 1000)
            let revoked = try #require(try await fixture.store.revokeAPIKey(id: record.id, at: fixture.clock.now()))
            #expect(revoked.revokedAt == fixture.clock.now() && !revoked.isActive)
            fixture.clock.advance(milliseconds: 1000)
            #expect(try await fixture.store.revokeAPIKey(id: record.id, at: fixture.clock.now())?.revokedAt == revoked.revokedAt)
            #expect(try await fixture.store.revokeAPIKey(id: 9999, at: fixture.clock.now()) == nil)
            #expect(try await fixture.store.activeAPIKeyCount(role: .trader) == 0)
            #expect(try await fixture.store.apiKeys().count == 1)
        }
    }

    @Test("forecasts are stored once with exact reference closes and read back newest first", arguments: Backend.available)
    func forecastsAreStoredOnce(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            _ = try await fixture.store.importBars(batch(try hourlyBars(count: 10)))
            let dataTime = Timestamp(iso8601: "2024-01-01T10:00:00Z")!
            let records = [("1h", Int64(3_600_000)), ("4h", Int64(14_400_000))].map { horizon, milliseconds in
                ForecastRecord(id: nil, symbol: btc.symbol, timeframe: .oneHour, horizon: horizon, horizonMilliseconds: milliseconds,
                               decisionTime: dataTime, dataTime: dataTime, targetTime: dataTime.adding(milliseconds: milliseconds),
                               referenceClose: "42123.450000000000000001", expectedLogReturn: 0.000123456789012345, probabilityUp: 0.5234,
                               volatility: 0.0123, intervalLow: -0.0157, intervalHigh: 0.0159, returnModel: "ridge",
                               directionModel: "baseline_climatology", volatilityModel: "garch", modelVersion: "forecaster-1", createdAt: dataTime)
            }
            let stored = try await fixture.store.recordForecasts(records)
            #expect(stored.count == 2 && stored.allSatisfy { $0.id != nil })
            #expect(try await fixture.store.recordForecasts(records).isEmpty, "a repeated forecast is not stored twice")
            let read = try await fixture.store.forecasts(symbol: btc.symbol, limit: 10)
            #expect(read.map(\.horizon) == ["1h", "4h"])
            #expect(read[0].referenceClose == "42123.450000000000000001")
            #expect(read[0].expectedLogReturn == 0.000123456789012345 && read[0].targetTime == dataTime.adding(milliseconds: 3_600_000))
            #expect(read[0] == stored[0])
        }
    }

    @Test("health answers with a round-trip time and the schema version", arguments: Backend.available)
    func health(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            #expect(try await fixture.store.ping() < .seconds(5))
            #expect(fixture.store.backendName == backend.rawValue)
            #expect(fixture.store.poolStatistics().maximumConnections >= 1)
        }
    }
}
