import Foundation
import Storage
import TestSupport
import TradingCore
import TradingEngine

/// A migrated SQLite store in a test's folder holding the bundled hourly BTC-USD bars that opened before `end`.
enum SampleStore {
    static func bitcoinHourly(in directory: TemporaryDirectory, before end: Timestamp) async throws -> (store: SQLStore, bars: [Bar]) {
        let store = SQLStore(database: try SQLiteDatabase(path: directory.file("orchestrator.sqlite")), clock: FixedClock())
        try await store.migrate()
        let url = TestEnvironment.sampleDataDirectory.appendingPathComponent("BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv")
        let bars = try BarFileParser(timeframe: .oneHour).parseOHLCV([UInt8](Data(contentsOf: url)), fileName: url.lastPathComponent).bars.filter { $0.openTime < end }
        _ = try await store.importBars(BarImportBatch(instrument: Instrument(symbol: Symbol("BTC-USD")!, assetClass: .crypto, quoteCurrency: "USD"),
                                                      timeframe: .oneHour, kind: .ohlcv, bars: bars, source: "sample"))
        return (store, bars)
    }
}
