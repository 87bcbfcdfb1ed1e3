import Foundation
import Orchestrator
import Storage
import TestSupport
import Testing
import TradingCore
import TradingEngine

@Suite("Market data import")
struct MarketDataImporterTests {
    /// A fresh SQLite store in a temporary folder.
    static func withImporter(_ body: (MarketDataImporter, SQLStore, TemporaryDirectory) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        let store = SQLStore(database: try SQLiteDatabase(path: directory.file("db.sqlite")), clock: FixedClock())
        try await store.migrate()
        do {
            try await body(MarketDataImporter(store: store), store, directory)
        } catch {
            try? await store.close()
            directory.remove()
            throw error
        }
        try await store.close()
        directory.remove()
    }

    static func sample(_ name: String) -> String { TestEnvironment.sampleDataDirectory.appendingPathComponent(name).path }

    @Test("each bundled file imports completely, and a second import changes nothing", arguments: [
        ("BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv", BarFileFormat.ohlcv, "BTC-USD", Timeframe.oneHour, 1, 20_111),
        ("SP500_1d_1999-01-04_2018-12-31.csv", .ohlcv, "SP500", .oneDay, 1, 5_031),
        ("NASDAQCOMP_1d_1999-01-04_2018-12-31.csv", .ohlcv, "NASDAQCOMP", .oneDay, 1, 5_031),
        ("spy_close_1993-01-29_2024-11-29.csv", .wideClose, "", .oneDay, 1, 8_017),
        ("us19_close_1990-01-02_2024-11-29.csv", .wideClose, "", .oneDay, 19, 135_663),
        ("reference/us20_close_1989-12-29_2018-04-11.csv", .wideClose, "", .oneDay, 20, 106_931),
        ("reference/spy_close_1993-01-29_2019-12-09.csv", .wideClose, "", .oneDay, 1, 6_765),
    ])
    func bundledFiles(file: String, layout: BarFileFormat, symbol: String, timeframe: Timeframe, series: Int, bars: Int) async throws {
        try await Self.withImporter { (importer: MarketDataImporter, store: SQLStore, _: TemporaryDirectory) async throws in
            let request = MarketDataImporter.Request(path: Self.sample(file), layout: layout, symbol: Symbol(symbol), timeframe: timeframe,
                                                     assetClass: .equity, quoteCurrency: "USD")
            let first = try await importer.importFile(request)
            #expect(first.count == series)
            #expect(first.reduce(0) { $0 + $1.inserted } == bars)
            let second = try await importer.importFile(request)
            #expect(second.reduce(0) { $0 + $1.inserted + $1.updated } == 0)
            #expect(second.reduce(0) { $0 + $1.unchanged } == bars)
            #expect(try await store.instruments().flatMap(\.series).reduce(0) { $0 + $1.barCount } == bars)
        }
    }

    @Test("a file with one bad row deep inside writes nothing")
    func badFileWritesNothing() async throws {
        try await Self.withImporter { (importer: MarketDataImporter, store: SQLStore, directory: TemporaryDirectory) async throws in
            var text = "timestamp,open,high,low,close,volume\n"
            for hour in 0..<500 {
                let time = Timestamp(iso8601: "2024-01-01T00:00:00Z")!.adding(milliseconds: Int64(hour) * 3_600_000)
                text += hour == 400 ? "\(time),10,9,11,10,1\n" : "\(time),10,11,9,10,1\n"
            }
            let path = try directory.write("bad.csv", text)
            let request = MarketDataImporter.Request(path: path, layout: .ohlcv, symbol: Symbol("X"), timeframe: .oneHour,
                                                     assetClass: .crypto, quoteCurrency: nil)
            do {
                _ = try await importer.importFile(request)
                Issue.record("accepted")
            } catch let rejection as ImportRejection {
                #expect(rejection.issues.map(\.description) == ["\(path):402: low: low 11 is above high 9"])
            }
            #expect(try await store.instruments().isEmpty)
            #expect(try await !store.hasAnyBars())
        }
    }

    @Test("a missing file is a clear error")
    func missingFile() async throws {
        try await Self.withImporter { (importer: MarketDataImporter, _: SQLStore, directory: TemporaryDirectory) async throws in
            await #expect(throws: ImportFileError.self) {
                _ = try await importer.importFile(MarketDataImporter.Request(path: directory.file("none.csv"), layout: .ohlcv, symbol: Symbol("X"),
                                                                             timeframe: .oneDay, assetClass: .unknown, quoteCurrency: nil))
            }
        }
    }

    @Test("first start imports the sample data once")
    func sampleData() async throws {
        try await Self.withImporter { (importer: MarketDataImporter, store: SQLStore, _: TemporaryDirectory) async throws in
            let summaries = try await importer.importSampleDataIfEmpty()
            #expect(summaries.count == 23)
            let symbols = Set(try await store.instruments().map(\.instrument.symbol.rawValue))
            #expect(symbols.isSuperset(of: ["BTC-USD", "SP500", "NASDAQCOMP", "SPY", "AAPL", "META"]))
            #expect(try await importer.importSampleDataIfEmpty().isEmpty)
        }
    }
}
