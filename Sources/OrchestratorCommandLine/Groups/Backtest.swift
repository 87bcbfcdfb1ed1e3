import ArgumentParser
import Foundation
import Orchestrator

struct BacktestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Backtest a strategy, or sweep its parameters.",
        subcommands: [Run.self, Sweep.self, WalkForward.self, MonteCarlo.self], defaultSubcommand: Run.self)

    /// Options both subcommands share.
    struct Common: ParsableArguments {
        @Option(help: "An OHLCV CSV file (timestamp or date, open, high, low, close, volume).") var data: [String] = []
        @Option(help: "The strategy.") var strategy: BacktestCommands.Strategy
        @Option(help: "A strategy parameter k=v (a sweep takes k=start..end:step); repeatable.") var param: [String] = []
        @Option(help: "Starting cash (decimal).") var cash = "100000"
        @Option(help: "Commission as a fraction of notional, such as 0.002.") var commission = "0"
        @Option(help: "Slippage in basis points against the fill.") var slippageBps = "0"
        @Flag(help: "Allow short positions.") var allowShort = false
        @Option(help: "Run this many times and report the median elapsed_ms (benchmarking).") var repetitions = 1
        @OptionGroup var output: FormatOption

        func validate() throws {
            guard !data.isEmpty else { throw ValidationError("give at least one --data file") }
            guard (1...100_000).contains(repetitions) else { throw ValidationError("--repetitions must be from 1 to 100000") }
            for entry in param where !entry.contains("=") { throw ValidationError("--param must look like fast=10, got '\(entry)'") }
        }

        func request() -> BacktestCommands.Request {
            var request = BacktestCommands.Request(dataPaths: data, strategy: strategy)
            for entry in param {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                request.parameters[parts[0]] = parts.count > 1 ? parts[1] : ""
            }
            request.cash = cash
            request.commission = commission
            request.slippageBasisPoints = slippageBps
            request.allowShort = allowShort
            request.repetitions = repetitions
            return request
        }
    }

    struct WalkForward: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "walk-forward",
            abstract: "Optimise sma-cross on a training window, test the best pair on the next window, roll; reports out-of-sample results only.")
        @OptionGroup var common: Common
        @Option(help: "Bars in each training window.") var trainBars = 5000
        @Option(help: "Bars in each test window (the roll).") var testBars = 1000

        func run() async throws {
            try FileCommand.run({ try BacktestCommands.walkForward(common.request(), trainBars: trainBars, testBars: testBars) }, format: common.output.format)
        }
    }

    struct MonteCarlo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "monte-carlo",
            abstract: "Shuffle the order of a backtest's trades to see the spread of drawdowns (and resample them for returns).")
        @OptionGroup var common: Common
        @Option(help: "Number of random orders.") var runs = 1000

        func run() async throws {
            try FileCommand.run({ try BacktestCommands.monteCarlo(common.request(), runs: runs) }, format: common.output.format)
        }
    }

    struct Sweep: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run sma-cross for every fast/slow pair (slow > fast) in parallel across cores; in-sample results only.")
        @OptionGroup var common: Common

        func run() async throws {
            try FileCommand.run({ try BacktestCommands.sweep(common.request()) }, format: common.output.format)
        }
    }
}

extension BacktestCommand {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Backtest a strategy on OHLCV CSV files with the simulated venue and exact fixed-point accounting.",
            discussion: """
                sma-cross (--param fast=N --param slow=N): on a crossover close the position and buy (or, with --allow-short, \
                sell short) floor(equity / (price × (1 + commission))) whole units at the next bar's open; the rules of \
                backtesting.py, checked against it. forecast-allocation (two or more --data files with the same bar times; \
                --param risk_level=MEDIUM rebalance_every=21 drift_threshold=0.05): regimes and forecasts pick the portfolio \
                module's strategy and weights, rebalanced on drift, every order through the risk gate and the simulated venue.
                """)
        @OptionGroup var common: Common
        @Option(help: "Write the trade list to this CSV file.") var trades: String?
        @Option(help: "Write a self-contained HTML tear sheet (inline SVG charts, no scripts) to this file.") var report: String?

        func run() async throws {
            var request = common.request()
            request.tradesPath = trades
            request.reportPath = report
            try FileCommand.run({ try BacktestCommands.run(request) }, format: common.output.format)
        }
    }
}
