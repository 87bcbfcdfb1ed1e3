import ArgumentParser
import Foundation
import Orchestrator

struct VenueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "venue", abstract: "Venue connections.", subcommands: [Check.self, Benchmark.self])

    struct Benchmark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Time decoding a venue's stream messages into bars: Binance klines or Alpaca bars (docs/benchmarks.md).")
        @Option(help: "Whose documented message: binance (a kline frame) or alpaca (a bar message).") var venue = BenchmarkVenue.binance
        @Option(help: "Frames decoded per repetition.") var frames = 200_000
        @Option(help: "Repetitions; the median is reported.") var repetitions = 5
        @OptionGroup var output: FormatOption

        func run() async throws {
            do {
                CommandRunner.print(try VenueBenchmark.run(frames: max(1, frames), repetitions: max(1, repetitions), venue: venue.rawValue), format: output.format)
            } catch {
                CommandRunner.fail(String(describing: error), code: 1)
            }
        }
    }

    /// The venues whose stream messages can be timed.
    enum BenchmarkVenue: String, ExpressibleByArgument, CaseIterable {
        case binance, alpaca
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a venue's configuration: endpoints, clock offset, key permissions (never the key), balances, symbol rules, rate limits.",
            discussion: "Binance keys come from BINANCE_API_KEY with BINANCE_API_SECRET (HMAC) or BINANCE_PRIVATE_KEY_FILE (Ed25519 PEM); Alpaca's from APCA_API_KEY_ID and APCA_API_SECRET_KEY. Nothing is traded. Exit status 0 when every check passes, 1 otherwise.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "The venue.") var venue = Venue.binance
        @Option(help: "Comma-separated symbols whose rules to show.") var symbols = "BTCUSDT"
        @OptionGroup var output: FormatOption

        /// The venues that can be checked.
        enum Venue: String, ExpressibleByArgument, CaseIterable {
            case binance, alpaca
        }

        func run() async throws {
            var failed = false
            try await CommandRunner.run(storage: storage) { configuration, logger in
                let checked = try await VenueCheckCommand.run(configuration, venue: venue.rawValue, symbols: symbols.split(separator: ",").map(String.init),
                                                             environment: ProcessInfo.processInfo.environment, logger: logger)
                CommandRunner.print(checked.output, format: output.format)
                failed = checked.failed
            }
            if failed { throw ExitCode(1) }
        }
    }
}
