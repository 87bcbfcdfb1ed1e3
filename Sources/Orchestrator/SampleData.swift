import Foundation
import TradingCore

/// The market data bundled with the product (permissively licensed; see SampleData/PROVENANCE.md),
/// imported into an empty database on first start so the API has real data at once.
public enum SampleData {
    /// One bundled file and how to import it.
    public struct File: Sendable {
        /// The file name inside the bundle.
        public let name: String
        /// Its layout.
        public let layout: BarFileFormat
        /// The symbol, for OHLCV files (wide files name symbols in their header).
        public let symbol: String?
        /// The bar length.
        public let timeframe: Timeframe
        /// The kind of instrument.
        public let assetClass: AssetClass
        /// The quote currency.
        public let quoteCurrency: String
    }

    /// The files imported at first start. The 2018/2019 PyPortfolioOpt files under `reference/` are on
    /// another adjustment basis and are kept for reference tests only: mixing them would corrupt series.
    public static let files: [File] = [
        File(name: "us19_close_1990-01-02_2024-11-29.csv", layout: .wideClose, symbol: nil, timeframe: .oneDay, assetClass: .equity, quoteCurrency: "USD"),
        File(name: "spy_close_1993-01-29_2024-11-29.csv", layout: .wideClose, symbol: nil, timeframe: .oneDay, assetClass: .etf, quoteCurrency: "USD"),
        File(name: "SP500_1d_1999-01-04_2018-12-31.csv", layout: .ohlcv, symbol: "SP500", timeframe: .oneDay, assetClass: .index, quoteCurrency: "USD"),
        File(name: "NASDAQCOMP_1d_1999-01-04_2018-12-31.csv", layout: .ohlcv, symbol: "NASDAQCOMP", timeframe: .oneDay, assetClass: .index, quoteCurrency: "USD"),
        File(name: "BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv", layout: .ohlcv, symbol: "BTC-USD", timeframe: .oneHour, assetClass: .crypto, quoteCurrency: "USD"),
    ]

    /// The folder holding the bundled files.
    public static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("SampleData")
    }
}
