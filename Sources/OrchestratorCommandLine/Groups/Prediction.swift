import ArgumentParser
import Foundation
import Orchestrator
import TradingCore

struct ForecastCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Multi-horizon forecasts from an OHLCV CSV (timestamp or date, open, high, low, close, volume).",
        subcommands: [Make.self, Evaluate.self], defaultSubcommand: Make.self)

    struct Make: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "make",
            abstract: "Forecasts made at --at from the bars closed by then (default: the end of the file).",
            discussion: "Each part (return, direction, volatility) uses its model only when it beat its baseline on held-out data; otherwise the baseline, and the output says which.")
        @Option(help: "The OHLCV CSV file.") var data: String
        @Option(help: "Decision time (ISO-8601 UTC); only bars closed by then are read.") var at: Timestamp?
        @Option(help: "Forecast this many times from the fitted models and report the median update_ms (benchmarking).") var repetitions = 1
        @Option(help: "An OHLCV CSV of a reference symbol (an index, BTC for altcoins); its 24-bar return correlation becomes a feature.") var reference: String?
        @Option(help: "Comma-separated horizons, multiples of the bar length (default: those of 5m,1h,4h,24h the bars can express).") var horizons: String?
        @OptionGroup var output: FormatOption

        func run() async throws {
            try FileCommand.run({ try PredictionCommands.forecast(path: data, at: at, horizons: horizons, reference: reference, repetitions: repetitions) }, format: output.format)
        }
    }

    struct Evaluate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk-forward evaluation of every model against its baseline, out of sample.",
            discussion: "The second half of the bars is cut into --folds test blocks; models are retrained before each block on samples whose labels end before it (expanding, or the newest --train-window samples).")
        @Option(help: "The OHLCV CSV file.") var data: String
        @Option(help: "Comma-separated horizons, multiples of the bar length (default: those of 5m,1h,4h,24h the bars can express).") var horizons: String?
        @Option(help: "Train on at most this many newest samples (rolling window); default: all (expanding).") var trainWindow: Int?
        @Option(help: "Number of test blocks.") var folds = 5
        @Option(help: "An OHLCV CSV of a reference symbol whose 24-bar return correlation becomes a feature.") var reference: String?
        @OptionGroup var output: FormatOption

        func validate() throws {
            guard (1...100).contains(folds) else { throw ValidationError("--folds must be from 1 to 100") }
            if let trainWindow, trainWindow < 100 { throw ValidationError("--train-window must be at least 100 samples") }
        }

        func run() async throws {
            try FileCommand.run({ try PredictionCommands.evaluate(path: data, horizons: horizons, trainingWindow: trainWindow, folds: folds, reference: reference) }, format: output.format)
        }
    }
}

struct Regimes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Market regimes at the end of an OHLCV CSV: trend, volatility, trend or range, and a Gaussian HMM on log returns.")
    @Option(help: "The OHLCV CSV file.") var data: String
    @Option(help: "HMM states: 2 or 3.") var states = 2
    @Option(help: "Time the HMM fit this many times and report the median hmm_fit_ms (benchmarking).") var repetitions = 1
    @OptionGroup var output: FormatOption

    func validate() throws {
        guard (2...3).contains(states) else { throw ValidationError("--states must be 2 or 3") }
    }

    func run() async throws {
        try FileCommand.run({ try PredictionCommands.regimes(path: data, states: states, repetitions: repetitions) }, format: output.format)
    }
}

struct Volatility: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a volatility model to the closes of an OHLCV CSV (GARCH(1,1) on 100 × log returns, as the arch package).")
    @Option(help: "The OHLCV CSV file.") var data: String
    @Option(help: "The model.") var model = Model.garch
    @Option(help: "Fit on the newest N returns only.") var lastReturns: Int?
    @Option(help: "Fit this many times and report the median elapsed_ms (benchmarking).") var repetitions = 1
    @OptionGroup var output: FormatOption

    /// The volatility models.
    enum Model: String, ExpressibleByArgument, CaseIterable {
        /// GARCH(1,1) with a constant mean and normal errors.
        case garch
    }

    func run() async throws {
        try FileCommand.run({ try PredictionCommands.volatility(path: data, lastReturns: lastReturns, repetitions: repetitions) }, format: output.format)
    }
}
