import Analytics
import Foundation
import PortfolioOptimizer
import Prediction
import Synchronization
import TradingCore
import TradingEngine

/// `orchestrator backtest`: a strategy over OHLCV files on the simulated venue.
public enum BacktestCommands {
    /// The strategies a backtest runs.
    public enum Strategy: String, Sendable, CaseIterable {
        /// Long (or long/short) on a fast/slow moving-average crossover, one symbol.
        case smaCross = "sma-cross"
        /// Regimes and forecasts pick the portfolio module's strategy and weights, several symbols.
        case forecastAllocation = "forecast-allocation"
    }

    /// What to run.
    public struct Request: Sendable {
        public var dataPaths: [String]
        public var strategy: Strategy
        public var parameters: [String: String] = [:]
        public var cash = "100000"
        public var commission = "0"
        public var slippageBasisPoints = "0"
        public var allowShort = false
        public var tradesPath: String?
        public var reportPath: String?
        public var repetitions = 1

        /// Creates a request.
        public init(dataPaths: [String], strategy: Strategy) {
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
        if request.strategy == .forecastAllocation { return try forecastAllocation(request) }
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
                                        slippageBasisPoints: try decimal("--slippage-bps", request.slippageBasisPoints), allowShort: request.allowShort,
                                        keepsJournal: false)
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
        if let reportPath = request.reportPath {
            let periods: Double = file.timeframe == .oneDay ? 252 : 365.25 * 86_400_000 / Double(file.timeframe.milliseconds)
            let page = TearSheet.render(title: "sma-cross \(backtest.fast)/\(backtest.slow) on \(file.symbol)", bars: file.bars, result: outcome, periodsPerYear: periods)
            guard FileManager.default.createFile(atPath: reportPath, contents: Data(page.utf8)) else {
                throw ImportFileError(path: reportPath, reason: "cannot be written")
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

extension BacktestCommands {
    /// A parameter range `start..end:step` (inclusive), such as `5..50:5`.
    public static func range(_ text: String, name: String) throws -> [Int] {
        let parts = text.split(separator: ":", maxSplits: 1)
        let bounds = parts[0].components(separatedBy: "..")
        guard bounds.count == 2, let start = Int(bounds[0]), let end = Int(bounds[1]), start <= end else {
            throw RequestError(description: "--param \(name)=\(text) must look like 5..50:5 (start..end:step)")
        }
        let step = parts.count > 1 ? Int(parts[1]) : 1
        guard let step, step > 0 else { throw RequestError(description: "--param \(name)=\(text): the step must be a positive whole number") }
        return Array(stride(from: start, through: end, by: step))
    }

    /// Runs sma-cross for every (fast, slow) with slow > fast, in parallel on every core; the table
    /// lists the best ten by final equity. In-sample only: a sweep describes, it does not validate.
    public static func sweep(_ request: Request) throws -> AdministrationCommands.Output {
        guard request.strategy == .smaCross else { throw RequestError(description: "sweep supports sma-cross only") }
        guard request.dataPaths.count == 1 else { throw RequestError(description: "give exactly one --data file") }
        guard let fastText = request.parameters["fast"], let slowText = request.parameters["slow"], request.parameters.count == 2 else {
            throw RequestError(description: "sweep needs --param fast=A..B:S and --param slow=A..B:S and nothing else")
        }
        let combinations = try range(fastText, name: "fast").flatMap { fast in try range(slowText, name: "slow").filter { $0 > fast }.map { (fast, $0) } }
        guard !combinations.isEmpty, combinations.count <= 100_000 else {
            throw RequestError(description: "the ranges give \(combinations.count) combinations with slow > fast; between 1 and 100000 are allowed")
        }
        let file = try OHLCVFile.read(request.dataPaths[0])
        guard let cash = FixedDecimal(request.cash), let commission = FixedDecimal(request.commission),
              let slippage = FixedDecimal(request.slippageBasisPoints) else { throw RequestError(description: "cash, commission and slippage must be decimals") }
        let symbol = Symbol(file.symbol) ?? Symbol("DATA")!
        let results = Mutex<[SMACrossBacktest.Result?]>(Array(repeating: nil, count: combinations.count))
        let failure = Mutex<String?>(nil)
        let bars = file.bars
        let milliseconds = try PortfolioCommands.medianMilliseconds(request.repetitions) {
            DispatchQueue.concurrentPerform(iterations: combinations.count) { index in
                let (fast, slow) = combinations[index]
                let backtest = SMACrossBacktest(fast: fast, slow: slow, cash: cash, commission: commission, slippageBasisPoints: slippage,
                                                allowShort: request.allowShort, keepsJournal: false)
                do {
                    let result = try backtest.run(bars, symbol: symbol)
                    results.withLock { $0[index] = result }
                } catch {
                    failure.withLock { $0 = "fast \(fast), slow \(slow): \(String(describing: error))" }
                }
            }
        }
        if let message = failure.withLock({ $0 }) { throw RequestError(description: message) }
        let outcomes = results.withLock { $0 }.enumerated().compactMap { index, result in result.map { (combinations[index], $0) } }
        let ranked = outcomes.sorted { $0.1.finalEquity > $1.1.finalEquity }
        let json: JSONValue = [
            "strategy": "sma-cross",
            "bars": .int(bars.count),
            "combinations": .int(outcomes.count),
            "elapsed_ms": .number(milliseconds),
            "results": .array(ranked.map { parameters, result in
                ["fast": .int(parameters.0), "slow": .int(parameters.1), "final_equity": .string(result.finalEquity.description),
                 "return_pct": .number(result.returnPercent), "trades": .int(result.trades.count),
                 "max_drawdown_pct": .number(result.maxDrawdownPercent), "sharpe_ratio": .number(result.sharpeRatio)]
            }),
        ]
        let rows = ranked.prefix(10).map { parameters, result in
            [String(parameters.0), String(parameters.1), result.finalEquity.description, String(format: "%.2f", result.returnPercent),
             String(result.trades.count), String(format: "%.2f", result.maxDrawdownPercent), String(format: "%.3f", result.sharpeRatio)]
        }
        return AdministrationCommands.Output(json: json, columns: ["fast", "slow", "final_equity", "return_pct", "trades", "max_dd_pct", "sharpe"],
                                             rows: rows, footer: String(format: "%d combinations over %d bars in %.1f ms (in-sample: not a forecast of future results)",
                                                                        outcomes.count, bars.count, milliseconds))
    }
}

extension BacktestCommands {
    /// Walk-forward optimisation of sma-cross: out-of-sample results only.
    public static func walkForward(_ request: Request, trainBars: Int, testBars: Int) throws -> AdministrationCommands.Output {
        let (file, template, pairs) = try sweepInputs(request)
        let symbol = Symbol(file.symbol) ?? Symbol("DATA")!
        var outcome: (windows: [ResearchTools.Window], chainedReturnPercent: Double)?
        let milliseconds = try PortfolioCommands.medianMilliseconds(request.repetitions) {
            outcome = try ResearchTools.walkForward(file.bars, symbol: symbol, pairs: pairs, trainBars: trainBars, testBars: testBars, template: template)
        }
        let result = outcome!
        let json: JSONValue = [
            "strategy": "sma-cross",
            "train_bars": .int(trainBars),
            "test_bars": .int(testBars),
            "out_of_sample_return_pct": .number(result.chainedReturnPercent),
            "elapsed_ms": .number(milliseconds),
            "windows": .array(result.windows.map { window in
                ["train_start": .string(window.trainStart.iso8601), "test_start": .string(window.testStart.iso8601),
                 "test_end": .string(window.testEnd.iso8601), "fast": .int(window.fast), "slow": .int(window.slow),
                 "in_sample_return_pct": .number(window.inSampleReturnPercent),
                 "out_of_sample_return_pct": .number(window.outOfSampleReturnPercent), "out_of_sample_trades": .int(window.outOfSampleTrades)]
            }),
        ]
        let rows = result.windows.map { window in
            [window.testStart.iso8601, window.testEnd.iso8601, "\(window.fast)/\(window.slow)",
             String(format: "%.2f", window.outOfSampleReturnPercent), String(window.outOfSampleTrades)]
        }
        return AdministrationCommands.Output(json: json, columns: ["test start", "test end", "chosen fast/slow", "out-of-sample return %", "trades"],
                                             rows: rows, footer: String(format: "chained out-of-sample return %.2f %% over %d windows (in-sample results are not reported as results)",
                                                                        result.chainedReturnPercent, result.windows.count))
    }

    /// Monte Carlo of trade order for one sma-cross run.
    public static func monteCarlo(_ request: Request, runs: Int) throws -> AdministrationCommands.Output {
        let file = try OHLCVFile.read(request.dataPaths[0])
        let (_, template, pairs) = try sweepInputs(request, file: file)
        guard pairs.count == 1 else { throw RequestError(description: "monte-carlo takes one pair: --param fast=N --param slow=N") }
        var backtest = template
        backtest.fast = pairs[0].fast
        backtest.slow = pairs[0].slow
        let result = try backtest.run(file.bars, symbol: Symbol(file.symbol) ?? Symbol("DATA")!)
        let simulation = try ResearchTools.monteCarlo(result, runs: runs)
        let json: JSONValue = [
            "strategy": "sma-cross", "fast": .int(backtest.fast), "slow": .int(backtest.slow), "trades": .int(result.trades.count), "runs": .int(runs),
            "actual_max_drawdown_pct": .number(simulation.actualMaxDrawdownPercent),
            "max_drawdown_pct_percentiles": ["p5": .number(simulation.maxDrawdownPercentiles[0]), "p50": .number(simulation.maxDrawdownPercentiles[1]),
                                             "p95": .number(simulation.maxDrawdownPercentiles[2])],
            "return_pct_percentiles": ["p5": .number(simulation.finalReturnPercentiles[0]), "p50": .number(simulation.finalReturnPercentiles[1]),
                                       "p95": .number(simulation.finalReturnPercentiles[2])],
        ]
        let rows = [["max drawdown % (random trade order)"] + simulation.maxDrawdownPercentiles.map { String(format: "%.2f", $0) },
                    ["final return % (trades resampled)"] + simulation.finalReturnPercentiles.map { String(format: "%.2f", $0) }]
        return AdministrationCommands.Output(json: json, columns: ["quantity", "p5", "p50", "p95"], rows: rows,
                                             footer: String(format: "actual max drawdown %.2f %% over %d trades; %d runs, seed 7", simulation.actualMaxDrawdownPercent, result.trades.count, runs))
    }

    /// The file, a template backtest and the (fast, slow) pairs of a request whose parameters are ranges or single values.
    static func sweepInputs(_ request: Request, file given: OHLCVFile? = nil) throws -> (OHLCVFile, SMACrossBacktest, [(fast: Int, slow: Int)]) {
        guard request.strategy == .smaCross else { throw RequestError(description: "only sma-cross is available, got \(request.strategy.rawValue)") }
        guard request.dataPaths.count == 1 else { throw RequestError(description: "give exactly one --data file") }
        guard let fastText = request.parameters["fast"], let slowText = request.parameters["slow"], request.parameters.count == 2 else {
            throw RequestError(description: "give --param fast=… and --param slow=… (single values or start..end:step) and nothing else")
        }
        func values(_ text: String, _ name: String) throws -> [Int] {
            if let single = Int(text) { return [single] }
            return try range(text, name: name)
        }
        let pairs = try values(fastText, "fast").flatMap { fast in try values(slowText, "slow").filter { $0 > fast }.map { (fast: fast, slow: $0) } }
        guard !pairs.isEmpty else { throw RequestError(description: "no pair has slow above fast") }
        guard let cash = FixedDecimal(request.cash), let commission = FixedDecimal(request.commission),
              let slippage = FixedDecimal(request.slippageBasisPoints) else { throw RequestError(description: "cash, commission and slippage must be decimals") }
        let file = try given ?? OHLCVFile.read(request.dataPaths[0])
        return (file, SMACrossBacktest(fast: pairs[0].fast, slow: pairs[0].slow, cash: cash, commission: commission,
                                       slippageBasisPoints: slippage, allowShort: request.allowShort, keepsJournal: false), pairs)
    }
}

extension BacktestCommands {
    /// The forecast-allocation strategy over several aligned OHLCV files through the trading loop.
    static func forecastAllocation(_ request: Request) throws -> AdministrationCommands.Output {
        let unknown = Set(request.parameters.keys).subtracting(["risk_level", "rebalance_every", "drift_threshold"])
        guard unknown.isEmpty else {
            throw RequestError(description: "forecast-allocation takes --param risk_level=…, rebalance_every=N, drift_threshold=F, not \(unknown.sorted().joined(separator: ", "))")
        }
        let level: RiskLevel
        if let levelText = request.parameters["risk_level"] {
            guard let parsed = RiskLevel(rawValue: levelText.uppercased()) else {
                throw RequestError(description: "risk_level must be one of \(RiskLevel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            level = parsed
        } else {
            level = .medium
        }
        guard let every = Int(request.parameters["rebalance_every"] ?? "21"), every >= 1 else { throw RequestError(description: "rebalance_every must be a whole number ≥ 1") }
        guard let drift = Double(request.parameters["drift_threshold"] ?? "0.05"), drift >= 0 else { throw RequestError(description: "drift_threshold must be a number ≥ 0") }
        guard request.dataPaths.count >= 2 else { throw RequestError(description: "forecast-allocation allocates across symbols: give at least two --data files") }
        guard !request.allowShort else { throw RequestError(description: "forecast-allocation is long-only; drop --allow-short") }
        let files = try request.dataPaths.map(OHLCVFile.read)
        guard Set(files.map(\.timeframe)).count == 1 else { throw RequestError(description: "the files have different bar lengths") }
        guard Set(files.map(\.symbol)).count == files.count else { throw RequestError(description: "two files have the same symbol (from the file name)") }
        // Keep the bar times every file has.
        let shared = files.dropFirst().reduce(Set(files[0].bars.map(\.openTime))) { $0.intersection($1.bars.map(\.openTime)) }
        var bars: [Symbol: [Bar]] = [:]
        for file in files {
            guard let symbol = Symbol(file.symbol) else { throw RequestError(description: "\(file.symbol) is not a valid symbol") }
            bars[symbol] = file.bars.filter { shared.contains($0.openTime) }
        }
        let timeframe = files[0].timeframe
        guard let cash = FixedDecimal(request.cash), let commission = FixedDecimal(request.commission),
              let slippage = FixedDecimal(request.slippageBasisPoints) else { throw RequestError(description: "cash, commission and slippage must be decimals") }
        guard let horizon = Horizon(bars: every, of: timeframe) else { throw RequestError(description: "the rebalance interval is too long") }
        let loop = TradingLoop(cash: cash, venue: SimulatedVenue(commissionRate: commission, slippageBasisPoints: slippage),
                               limits: RiskLimits(maximumPositionWeight: level.maximumWeight + 0.05, maximumGrossExposure: 1.0,
                                                  maximumOrderNotional: FixedDecimal(units: Int128.max / 4), maximumOrdersPerMinute: 1_000,
                                                  maximumDailyLoss: 0.10, maximumDrawdown: 0.50),
                               rebalancer: Rebalancer(driftThreshold: drift), decisionInterval: every)
        var result: TradingLoop.Result?
        let milliseconds = try PortfolioCommands.medianMilliseconds(request.repetitions) {
            result = try loop.run(bars, timeframe: timeframe, policy: ForecastAllocationPolicy(riskLevel: level, horizon: horizon))
        }
        let outcome = result!
        let returns = (1..<outcome.equityCurve.count).map { outcome.equityCurve[$0] / outcome.equityCurve[$0 - 1] - 1 }
        let periods: Double = timeframe == .oneDay ? 252 : 365.25 * 86_400_000 / Double(timeframe.milliseconds)
        let metrics = try? PerformanceAnalytics.metrics(returns: returns, options: MetricsOptions(periodsPerYear: periods))
        let fills = outcome.orders.filter { $0.filledQuantity.value.isPositive }.count
        let returnPercent = (outcome.finalEquity.doubleValue / cash.doubleValue - 1) * 100
        let maxDrawdownPercent = (metrics?.maxDrawdown ?? .nan) * 100
        let symbolNames: [JSONValue] = bars.keys.map(\.rawValue).sorted().map { .string($0) }
        let rejectionCounts: [(String, JSONValue)] = outcome.rejections.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }
        var members: [(String, JSONValue)] = [("strategy", .string(Strategy.forecastAllocation.rawValue))]
        members.append(("parameters", ["risk_level": .string(level.rawValue), "rebalance_every": .int(every), "drift_threshold": .number(drift)]))
        members.append(("symbols", .array(symbolNames)))
        members.append(("bars", .int(outcome.equityCurve.count)))
        members.append(("cash", .string(cash.description)))
        members.append(("final_equity", .string(outcome.finalEquity.description)))
        members.append(("return_pct", .number(returnPercent)))
        members.append(("trades", .int(fills)))
        members.append(("orders", .int(outcome.orders.count)))
        members.append(("rejections", .object(rejectionCounts)))
        members.append(("decisions", .int(outcome.decisions)))
        members.append(("max_drawdown_pct", .number(maxDrawdownPercent)))
        members.append(("sharpe_ratio", .number(metrics?.sharpeRatio ?? .nan)))
        members.append(("win_rate_pct", .null))
        members.append(("exposure_pct", .number(100 * Double(outcome.exposedBars) / Double(max(outcome.equityCurve.count, 1)))))
        members.append(("fees", .string(outcome.ledger.fees.description)))
        members.append(("final_state", .string(outcome.finalState.rawValue)))
        members.append(("alerts", .int(outcome.alerts.count)))
        members.append(("elapsed_ms", .number(milliseconds)))
        let json = JSONValue.object(members)
        let rows: [[String]] = [["final_equity", outcome.finalEquity.description],
                                ["return_pct", String(format: "%.2f", (outcome.finalEquity.doubleValue / cash.doubleValue - 1) * 100)],
                                ["max_drawdown_pct", String(format: "%.2f", (metrics?.maxDrawdown ?? .nan) * 100)],
                                ["sharpe_ratio", String(format: "%.3f", metrics?.sharpeRatio ?? .nan)], ["fills", String(fills)],
                                ["decisions", String(outcome.decisions)], ["final_state", outcome.finalState.rawValue]]
        return AdministrationCommands.Output(json: json, columns: ["metric", "value"], rows: rows,
                                             footer: String(format: "%d bars × %d symbols in %.0f ms", outcome.equityCurve.count, bars.count, milliseconds))
    }
}
