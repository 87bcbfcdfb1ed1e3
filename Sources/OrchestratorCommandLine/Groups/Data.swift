import ArgumentParser
import Foundation
import Orchestrator
import TradingCore

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import bars from a CSV file in one transaction (a bad file writes nothing; re-importing changes nothing).",
        discussion: """
            Layout ohlcv: a time column (timestamp, date, time, datetime or open_time) and open, high, low, close[, volume]. \
            Layout wide_close: a time column and one close-price column per symbol. Times are ISO-8601 UTC \
            (2024-01-02 or 2024-01-02T03:00:00Z) or Unix epoch seconds/milliseconds; a bar's time is its open time. \
            Problems are reported as FILE:LINE: FIELD: REASON and the command exits with status 65.
            """)

    @OptionGroup var storage: StorageOptions

    @Argument(help: "The CSV file.") var file: String
    @Option(help: "The instrument symbol (required for the ohlcv layout).") var symbol: String?
    @Option(help: "The bar length.") var timeframe: Timeframe
    @Option(help: "File layout.") var layout = BarFileFormat.ohlcv
    @Option(help: "Kind of instrument for new instruments.") var assetClass = AssetClass.unknown
    @Option(help: "Quote currency for new instruments, such as USD.") var quoteCurrency: String?
    @OptionGroup var output: FormatOption

    func validate() throws {
        if layout == .ohlcv {
            guard let symbol else { throw ValidationError("--symbol is required for the ohlcv layout") }
            guard Symbol(symbol) != nil else { throw ValidationError("--symbol must be \(Symbol.rule)") }
        }
    }

    func run() async throws {
        let request = MarketDataImporter.Request(
            path: file, layout: layout, symbol: symbol.flatMap(Symbol.init), timeframe: timeframe, assetClass: assetClass, quoteCurrency: quoteCurrency)
        try await CommandRunner.run(storage: storage) { configuration, logger in
            CommandRunner.print(try await AdministrationCommands.importFile(request, configuration: configuration, logger: logger), format: output.format)
        }
    }
}
