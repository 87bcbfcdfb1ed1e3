import Foundation
import TradingCore
import TradingEngine

/// `orchestrator backtest`: a strategy over OHLCV files on the simulated venue.
public enum BacktestCommands {
    /// The strategies by name; `forecast-allocation` is named by the issue but not built.
    public static let strategies = ["sma-cross", "forecast-allocation"]

    /// What to run.
    public struct Request: Sendable {
        public var dataPaths: [String]
        public var strategy: String
        public var parameters: [String: String] = [:]
        public var cash = "100000"
        public var commission = "0"
        public var slippageBasisPoints = "0"
        public var allowShort = false
        public var tradesPath: String?
        public var repetitions = 1

        /// Creates a request.
        public init(dataPaths: [String], strategy: String) {
            self.dataPaths = dataPaths
            self.strategy = strategy
        }
    }

    /// A request that cannot run, with the reason.
    public struct RequestError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs the backtest; `elapsed_ms` is the simulation only (median over `repetitions`), without reading files.
    public static func run(_ request: Request) throws -> AdministrationCommands.Output {
        guard request.strategy == "sma-cross" else {
            if request.strategy == "forecast-allocation" { throw RequestError(description: "forecast-allocation is not built yet; available: sma-cross") }
            throw RequestError(description: "--strategy must be one of \(strategies.joined(separator: ", ")), got \(request.strategy)")
        }
        guard request.dataPaths.count == 1 else { throw RequestError(description: "sma-cross trades one symbol: give exactly one --data file") }
        let unknown = Set(request.parameters.keys).subtracting(["fast", "slow"])
        guard unknown.isEmpty else { throw RequestError(description: "sma-cross takes --param fast=N and --param slow=N, not \(unknown.sorted().joined(separator: ", "))") }
        func integer(_ name: String, default value: Int) throws -> Int {
            guard let text = request.parameters[name] else { return value }
            guard let number = Int(text) else { throw RequestError(description: "--param \(name)=\(text) is not a whole number") }
            return number
        }
        func decimal(_ name: String, _ text: String) throws -> FixedDecimal {
            guard let value = FixedDecimal(text) else { throw RequestError(description: "\(name) '\(text)' is not a decimal number") }
            return value
        }
        let file = try OHLCVFile.read(request.dataPaths[0])
        let backtest = SMACrossBacktest(fast: try integer("fast", default: 10), slow: try integer("slow", default: 30),
                                        cash: try decimal("--cash", request.cash), commission: try decimal("--commission", request.commission),
                                        slippageBasisPoints: try decimal("--slippage-bps", request.slippageBasisPoints), allowShort: request.allowShort)
        guard let symbol = Symbol(file.symbol) ?? Symbol("DATA") else { throw RequestError(description: "no usable symbol") }
        var result: SMACrossBacktest.Result?
        let milliseconds = try PortfolioCommands.medianMilliseconds(request.repetitions) { result = try backtest.run(file.bars, symbol: symbol) }
        let outcome = result!
        if let tradesPath = request.tradesPath {
            var csv = "entry_time,exit_time,size,entry_price,exit_price,profit,commission\n"
            for trade in outcome.trades {
                csv += "\(trade.entryTime.iso8601),\(trade.exitTime.iso8601),\(trade.size),\(trade.entryPrice),\(trade.exitPrice),\(trade.profit),\(trade.commission)\n"
            }
            guard FileManager.default.createFile(atPath: tradesPath, contents: Data(csv.utf8)) else {
                throw ImportFileError(path: tradesPath, reason: "cannot be written")
            }
        }
        let json: JSONValue = [
            "strategy": "sma-cross",
            "parameters": ["fast": .int(backtest.fast), "slow": .int(backtest.slow)],
            "symbol": .string(file.symbol),
            "bars": .int(file.bars.count),
            "start": .string(file.bars[0].openTime.iso8601),
            "end": .string(file.bars[file.bars.count - 1].openTime.iso8601),
            "cash": .string(backtest.cash.description),
            "final_equity": .string(outcome.finalEquity.description),
            "return_pct": .number(outcome.returnPercent),
            "trades": .int(outcome.trades.count),
            "max_drawdown_pct": .number(outcome.maxDrawdownPercent),
            "sharpe_ratio": .number(outcome.sharpeRatio),
            "win_rate_pct": .number(outcome.winRatePercent),
            "exposure_pct": .number(outcome.exposurePercent),
            "fees": .string(outcome.ledger.fees.description),
            "elapsed_ms": .number(milliseconds),
        ]
        let rows: [[String]] = [
            ["final_equity", outcome.finalEquity.description], ["return_pct", String(format: "%.4f", outcome.returnPercent)],
            ["trades", String(outcome.trades.count)], ["max_drawdown_pct", String(format: "%.4f", outcome.maxDrawdownPercent)],
            ["sharpe_ratio", String(format: "%.4f", outcome.sharpeRatio)], ["win_rate_pct", String(format: "%.2f", outcome.winRatePercent)],
            ["exposure_pct", String(format: "%.2f", outcome.exposurePercent)],
        ]
        return AdministrationCommands.Output(json: json, columns: ["metric", "value"], rows: rows,
                                             footer: String(format: "%d bars simulated in %.3f ms", file.bars.count, milliseconds))
    }
}
