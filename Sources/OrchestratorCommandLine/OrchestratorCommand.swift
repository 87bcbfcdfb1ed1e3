import ArgumentParser
import Foundation
import Orchestrator

@main
struct OrchestratorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orchestrator",
        abstract: "TradingOrchestrator: market data, forecasts, portfolios and trading behind one API.",
        discussion: """
            Settings come from defaults < a JSON config file (--config, ORCHESTRATOR_CONFIG or ./orchestrator.json) \
            < environment variables (ORCHESTRATOR_*, DATABASE_URL) < command-line flags. Without DATABASE_URL the \
            embedded SQLite database under --data-dir is used.
            """,
        version: ProductVersion.current,
        subcommands: [Run.self, Serve.self, Worker.self, SchedulerRole.self, Migrate.self, Import.self, APIKey.self, Optimize.self, Metrics.self, Rebalance.self, ForecastCommand.self, Regimes.self, Volatility.self, BacktestCommand.self, Scan.self, Health.self, VenueCommand.self, FeedbackCommand.self, Version.self])

    /// The argument parser's own entry, except that `scan` reports usage errors with status 2
    /// (scanners' convention: 0 clean, 1 findings, 2 could not scan) instead of 64, and the heap's
    /// settings are made first.
    static func main() async {
        // First: glibc fixes its arena limit when it first needs a new arena.
        MemoryTrim.configureAllocator(environment: ProcessInfo.processInfo.environment)
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            if CommandLine.arguments.dropFirst().first == "scan", exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

struct Version: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version and the schema version this build expects.")
    @OptionGroup var output: FormatOption

    func run() async throws {
        CommandRunner.print(AdministrationCommands.version(), format: output.format)
    }
}
