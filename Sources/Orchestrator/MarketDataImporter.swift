import Foundation
import TradingCore
import TradingEngine

/// Imports a CSV file into the store: reads it whole, validates every row, and writes it in one
/// transaction, so a bad file writes nothing and a repeated file changes nothing.
public struct MarketDataImporter: Sendable {
    private let store: any MarketDataStore

    /// Creates an importer over a store.
    public init(store: any MarketDataStore) {
        self.store = store
    }

    /// What to import.
    public struct Request: Sendable {
        /// The file path.
        public let path: String
        /// The file's layout.
        public let layout: BarFileFormat
        /// The symbol of an OHLCV file (ignored for wide files, whose header names symbols).
        public let symbol: Symbol?
        /// The bar length.
        public let timeframe: Timeframe
        /// The kind of instrument, for instruments created by this import.
        public let assetClass: AssetClass
        /// The quote currency, for instruments created by this import.
        public let quoteCurrency: String?

        /// Creates a request.
        public init(path: String, layout: BarFileFormat, symbol: Symbol?, timeframe: Timeframe, assetClass: AssetClass, quoteCurrency: String?) {
            self.path = path
            self.layout = layout
            self.symbol = symbol
            self.timeframe = timeframe
            self.assetClass = assetClass
            self.quoteCurrency = quoteCurrency
        }
    }

    /// Imports one file; throws `ImportRejection` with every issue found, or `ImportFileError`.
    public func importFile(_ request: Request) async throws -> [BarImportSummary] {
        guard let data = FileManager.default.contents(atPath: request.path) else {
            let reason = FileManager.default.fileExists(atPath: request.path) ? "the file cannot be read" : "no such file"
            throw ImportFileError(path: request.path, reason: reason)
        }
        let bytes = [UInt8](data)
        let parser = BarFileParser(timeframe: request.timeframe)
        let fileName = request.path
        let batches: [BarImportBatch]
        switch request.layout {
        case .ohlcv:
            guard let symbol = request.symbol else { throw ImportFileError(path: request.path, reason: "an OHLCV file needs --symbol") }
            let parsed = try parser.parseOHLCV(bytes, fileName: fileName)
            batches = [BarImportBatch(instrument: Instrument(symbol: symbol, assetClass: request.assetClass, quoteCurrency: request.quoteCurrency),
                                      timeframe: request.timeframe, kind: .ohlcv, bars: parsed.bars, source: Self.sourceName(request.path))]
        case .wideClose:
            let parsed = try parser.parseWideClose(bytes, fileName: fileName)
            batches = parsed.series.map { series in
                BarImportBatch(instrument: Instrument(symbol: series.symbol, assetClass: request.assetClass, quoteCurrency: request.quoteCurrency),
                               timeframe: request.timeframe, kind: .closeOnly, bars: series.bars, source: Self.sourceName(request.path))
            }
        }
        return try await store.importBars(batches)
    }

    /// Imports the bundled sample data into an empty store; returns nothing when bars already exist.
    public func importSampleDataIfEmpty() async throws -> [BarImportSummary] {
        guard try await !store.hasAnyBars() else { return [] }
        var summaries: [BarImportSummary] = []
        for file in SampleData.files {
            summaries += try await importFile(Request(
                path: SampleData.directory.appendingPathComponent(file.name).path, layout: file.layout,
                symbol: file.symbol.flatMap(Symbol.init), timeframe: file.timeframe, assetClass: file.assetClass,
                quoteCurrency: file.quoteCurrency))
        }
        return summaries
    }

    private static func sourceName(_ path: String) -> String {
        (path as NSString).lastPathComponent
    }
}

/// A file that cannot be imported at all (missing, unreadable, or missing an option).
public struct ImportFileError: Error, Sendable, CustomStringConvertible {
    /// The path given.
    public let path: String
    /// Why.
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}
