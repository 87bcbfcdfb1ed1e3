import ArgumentParser
import Foundation
import Orchestrator
import TradingCore

/// A feedback subcommand that runs one action on the configured store.
protocol FeedbackStoreSubcommand: AsyncParsableCommand {
    static var action: FeedbackCommands.StoreAction { get }
    var storage: StorageOptions { get }
    var output: FormatOption { get }
}

extension FeedbackStoreSubcommand {
    func run() async throws {
        try await CommandRunner.run(storage: storage) { configuration, logger in
            CommandRunner.print(try await FeedbackCommands.run(Self.action, configuration: configuration, logger: logger), format: output.format)
        }
    }
}

struct FeedbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "The feedback loop: score forecasts, re-tune thresholds, report, and simulate adapting against not adapting.",
        subcommands: [Report.self, Score.self, Optimize.self, Signatures.self, Simulate.self, Benchmark.self, BenchmarkModels.self, BenchmarkSignatures.self, CompareTrading.self], defaultSubcommand: Report.self)

    struct Report: FeedbackStoreSubcommand {
        static let configuration = CommandConfiguration(abstract: "Cycles, outcomes, thresholds, models, adaptation score and the newest signals.")
        static let action = FeedbackCommands.StoreAction.report
        @OptionGroup var storage: StorageOptions
        @OptionGroup var output: FormatOption
    }

    struct Score: FeedbackStoreSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Score every stored forecast whose horizon has ended (one transaction), feed the drift detectors, alert on drift.")
        static let action = FeedbackCommands.StoreAction.score
        @OptionGroup var storage: StorageOptions
        @OptionGroup var output: FormatOption
    }

    struct Optimize: FeedbackStoreSubcommand {
        static let configuration = CommandConfiguration(abstract: "Re-tune each horizon's confidence threshold on its newest outcomes.")
        static let action = FeedbackCommands.StoreAction.optimize
        @OptionGroup var storage: StorageOptions
        @OptionGroup var output: FormatOption
    }

    struct Signatures: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How each API route, job kind and venue endpoint behaves (success rate, latency by hour and load), worst first, with open anomalies.")
        enum Kind: String, ExpressibleByArgument, CaseIterable {
            case route, job, venue
        }
        @Option(help: "Only this kind: route, job or venue.") var kind: Kind?
        @Option(help: "How many subjects (1–1000).") var limit = 100
        @OptionGroup var storage: StorageOptions
        @OptionGroup var output: FormatOption

        func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be from 1 to 1000") }
        }

        func run() async throws {
            try await CommandRunner.run(storage: storage) { configuration, logger in
                CommandRunner.print(try await FeedbackCommands.run(.signatures(kind: kind?.rawValue, limit: limit), configuration: configuration, logger: logger),
                                    format: output.format)
            }
        }
    }

    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the loop over an OHLCV file next to a frozen copy: drift, challengers in shadow, promotions, and both systems' scores.",
            discussion: "The champion is fitted on the bars closed by --fit-time; the stream starts there. No database is used.")
        @Option(help: "The OHLCV CSV file.") var data: String
        @Option(help: "Champion fit time and stream start (ISO-8601 UTC).") var fitTime: Timestamp
        @Option(help: "Ignore bars closing after this time.") var end: Timestamp?
        @Option(help: "The horizon scored.") var horizon = "4h"
        @Option(help: "Paired shadow forecasts before a challenger is judged.") var shadow = 480
        @Option(help: "Train challengers on the newest N bars only (default: all bars closed by the drift).") var challengerWindow: Int?
        @Option(help: "Page-Hinkley threshold (lambda).") var threshold = 50.0
        @Option(help: "Page-Hinkley tolerance (delta).") var delta = 0.005
        @OptionGroup var output: FormatOption

        func validate() throws {
            guard shadow >= 100 else { throw ValidationError("--shadow must be at least 100 (the promotion rule's minimum)") }
            if let challengerWindow, challengerWindow < 300 { throw ValidationError("--challenger-window must be at least 300 bars") }
            guard threshold > 0 else { throw ValidationError("--threshold must be positive") }
        }

        func run() async throws {
            var request = FeedbackCommands.SimulationRequest(path: data, fitTime: fitTime)
            request.end = end
            request.horizon = horizon
            request.shadowPairs = shadow
            request.challengerWindow = challengerWindow
            request.threshold = threshold
            request.delta = delta
            try FileCommand.run({ try FeedbackCommands.simulate(request) }, format: output.format)
        }
    }

    struct CompareTrading: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compare-trading",
            abstract: "Trade OHLCV files three ways from a window's start: the policy's own refits, a frozen champion, and the champions the loop promotes.",
            discussion: "No database is used. Each symbol's stream is the decision horizon (--rebalance-every bars); promotions follow the loop's rule with --shadow pairs.")
        @Option(help: "The OHLCV CSV files, comma-separated (one symbol each).") var data: String
        @Option(help: "The window's start: the champion's fit time (ISO-8601 UTC or YYYY-MM-DD).") var start: Timestamp
        @Option(help: "The window's end (default: the files' end).") var end: Timestamp?
        @Option(help: "Bars between allocation decisions (the forecast horizon).") var rebalanceEvery = 5
        @Option(help: "Bars between the own arm's refits.") var refitEvery = 126
        @Option(help: "Paired shadow forecasts before a challenger is judged.") var shadow = 480
        @Option(help: "The risk gate's drawdown halt, as a fraction of the peak (run's: 0.35; 1: none).") var maximumDrawdown = 0.35
        @Option(help: "The risk gate's daily-loss halt, as a fraction (run's: 0.05; 1: none).") var maximumDailyLoss = 0.05
        @OptionGroup var output: FormatOption

        func validate() throws {
            guard (0.01...1).contains(maximumDrawdown), (0.01...1).contains(maximumDailyLoss) else {
                throw ValidationError("--maximum-drawdown and --maximum-daily-loss must be 0.01 to 1")
            }
            guard rebalanceEvery >= 1, refitEvery >= 1 else { throw ValidationError("--rebalance-every and --refit-every must be at least 1") }
            guard shadow >= 100 else { throw ValidationError("--shadow must be at least 100 (the promotion rule's minimum)") }
        }

        func run() async throws {
            var request = TradingComparison.Request(paths: data.split(separator: ",").map(String.init), start: start)
            request.end = end
            request.rebalanceEvery = rebalanceEvery
            request.refitEvery = refitEvery
            request.shadowPairs = shadow
            request.maximumDrawdown = maximumDrawdown
            request.maximumDailyLoss = maximumDailyLoss
            try FileCommand.run({ try TradingComparison.run(request) }, format: output.format)
        }
    }

    struct BenchmarkModels: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "benchmark-models",
            abstract: "Time a challenger trial (480 shadow bars) at several champion ages, and a champion swap on the trading path, on an OHLCV file.")
        @Option(help: "The OHLCV CSV file.") var data: String
        @Option(help: "The horizon of the stream.") var horizon = "4h"
        @Option(help: "Champion ages: bars between its fit and the challenger's (comma-separated).") var ages = "500,2000,8000,15000"
        @Option(help: "Repetitions (the median is reported).") var repetitions = 3
        @OptionGroup var output: FormatOption

        func run() async throws {
            let ages = ages.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            let result: Result<AdministrationCommands.Output, any Error>
            do {
                result = .success(try await ModelBenchmark.run(path: data, horizon: horizon, ages: ages, repetitions: max(1, repetitions)))
            } catch {
                result = .failure(error)
            }
            try FileCommand.run({ try result.get() }, format: output.format)
        }
    }

    struct BenchmarkSignatures: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "benchmark-signatures",
            abstract: "Measure the system signatures' detector on simulated traffic: false anomalies a day, faults caught in the first window and within three, and its costs.")
        @Option(help: "Days of steady traffic learned (false anomalies counted after the first).") var days = 14
        @Option(help: "Trials per fault and traffic level.") var trials = 50
        @Option(help: "The seed of the simulated traffic.") var seed: UInt64 = 1
        @OptionGroup var output: FormatOption

        func validate() throws {
            guard (2...365).contains(days), (1...10_000).contains(trials) else { throw ValidationError("--days must be from 2 to 365 and --trials from 1 to 10000") }
        }

        func run() async throws {
            var request = SignatureBenchmark.Request()
            request.days = days
            request.trials = trials
            request.seed = seed
            CommandRunner.print(SignatureBenchmark.run(request), format: output.format)
        }
    }

    struct Benchmark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time scoring N synthetic outcomes and updating every tracker (windows, signatures, drift detectors).")
        @Option(help: "Outcomes per repetition.") var outcomes = 100_000
        @Option(help: "Repetitions.") var repetitions = 5
        @OptionGroup var output: FormatOption

        func run() async throws {
            CommandRunner.print(FeedbackCommands.benchmark(outcomes: outcomes, repetitions: max(1, repetitions)), format: output.format)
        }
    }
}
