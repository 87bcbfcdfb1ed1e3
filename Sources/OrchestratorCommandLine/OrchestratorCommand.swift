import ArgumentParser
import Foundation
import Analytics
import Logging
import Orchestrator
import PortfolioOptimizer
import Prediction
import SecuritySupervisor
import TradingCore
import TradingEngine

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
    /// (scanners' convention: 0 clean, 1 findings, 2 could not scan) instead of 64.
    static func main() async {
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

struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the security supervisor's health checks once and print them.",
        discussion: "The same checks as the supervisor's sweeps (system, process, database, network endpoints, container, posture), in parallel with their time limit. Exit status 0 when none FAILED, 1 otherwise.")

    @OptionGroup var storage: StorageOptions
    @Option(help: "Output format: json or table.") var format: OutputFormat = .table

    func run() async throws {
        var failed = false
        try await CommandRunner.run(storage: storage) { configuration, logger in
            let output = try await HealthCommand.run(configuration, logger: logger)
            CommandRunner.print(output.output, format: format)
            failed = output.failed
        }
        if failed { throw ExitCode(1) }
    }
}

struct VenueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "venue", abstract: "Venue connections.", subcommands: [Check.self, Benchmark.self])

    struct Benchmark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Time decoding Binance kline stream frames into bars (docs/benchmarks.md).")
        @Option(help: "Frames decoded per repetition.") var frames = 200_000
        @Option(help: "Repetitions; the median is reported.") var repetitions = 5
        @Option(help: "Output format: json or table.") var format: OutputFormat = .table

        func run() async throws {
            do {
                CommandRunner.print(try VenueBenchmark.run(frames: max(1, frames), repetitions: max(1, repetitions)), format: format)
            } catch {
                CommandRunner.fail(String(describing: error), code: 1)
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a venue's configuration: endpoints, clock offset, key permissions (never the key), balances, symbol rules, rate limits.",
            discussion: "Keys come from BINANCE_API_KEY with BINANCE_API_SECRET (HMAC) or BINANCE_PRIVATE_KEY_FILE (Ed25519 PEM). Nothing is traded. Exit status 0 when every check passes, 1 otherwise.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "The venue: binance.") var venue = "binance"
        @Option(help: "Comma-separated symbols whose rules to show.") var symbols = "BTCUSDT"
        @Option(help: "Output format: json or table.") var format: OutputFormat = .table

        func run() async throws {
            var failed = false
            try await CommandRunner.run(storage: storage) { configuration, logger in
                let output = try await VenueCheckCommand.run(configuration, venue: venue, symbols: symbols.split(separator: ",").map(String.init),
                                                             environment: ProcessInfo.processInfo.environment, logger: logger)
                CommandRunner.print(output.output, format: format)
                failed = output.failed
            }
            if failed { throw ExitCode(1) }
        }
    }
}

/// A feedback subcommand that runs one action on the configured store.
protocol FeedbackStoreSubcommand: AsyncParsableCommand {
    static var action: FeedbackCommands.StoreAction { get }
    var storage: StorageOptions { get }
    var format: OutputFormat { get }
}

extension FeedbackStoreSubcommand {
    func run() async throws {
        try await CommandRunner.run(storage: storage) { configuration, logger in
            CommandRunner.print(try await FeedbackCommands.run(Self.action, configuration: configuration, logger: logger), format: format)
        }
    }
}

struct FeedbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "The feedback loop: score forecasts, re-tune thresholds, report, and simulate adapting against not adapting.",
        subcommands: [Report.self, Score.self, Optimize.self, Simulate.self, Benchmark.self], defaultSubcommand: Report.self)

    struct Report: FeedbackStoreSubcommand {
        static let configuration = CommandConfiguration(abstract: "Cycles, outcomes, thresholds, models, adaptation score and the newest signals.")
        static let action = FeedbackCommands.StoreAction.report
        @OptionGroup var storage: StorageOptions
        @Option(help: "Output format: json or table.") var format: OutputFormat = .table
    }

    struct Score: FeedbackStoreSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Score every stored forecast whose horizon has ended (one transaction), feed the drift detectors, alert on drift.")
        static let action = FeedbackCommands.StoreAction.score
        @OptionGroup var storage: StorageOptions
        @Option(help: "Output format: json or table.") var format: OutputFormat = .table
    }

    struct Optimize: FeedbackStoreSubcommand {
        static let configuration = CommandConfiguration(abstract: "Re-tune each horizon's confidence threshold on its newest outcomes.")
        static let action = FeedbackCommands.StoreAction.optimize
        @OptionGroup var storage: StorageOptions
        @Option(help: "Output format: json or table.") var format: OutputFormat = .table
    }

    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the loop over an OHLCV file next to a frozen copy: drift, challengers in shadow, promotions, and both systems' scores.",
            discussion: "The champion is fitted on the bars closed by --fit-time; the stream starts there. No database is used.")
        @Option(help: "The OHLCV CSV file.") var data: String
        @Option(help: "Champion fit time and stream start (ISO-8601 UTC).") var fitTime: String
        @Option(help: "Ignore bars closing after this time.") var end: String?
        @Option(help: "The horizon scored.") var horizon = "4h"
        @Option(help: "Paired shadow forecasts before a challenger is judged.") var shadow = 480
        @Option(help: "Train challengers on the newest N bars only (default: all bars closed by the drift).") var challengerWindow: Int?
        @Option(help: "Page-Hinkley threshold (lambda).") var threshold = 50.0
        @Option(help: "Page-Hinkley tolerance (delta).") var delta = 0.005
        @Option(help: "Output format: json or table.") var format: OutputFormat = .table

        func validate() throws {
            guard shadow >= 100 else { throw ValidationError("--shadow must be at least 100 (the promotion rule's minimum)") }
            if let challengerWindow, challengerWindow < 300 { throw ValidationError("--challenger-window must be at least 300 bars") }
            guard threshold > 0 else { throw ValidationError("--threshold must be positive") }
        }

        func run() async throws {
            guard let fit = try PortfolioErrors.date(fitTime, "--fit-time") else { return }
            var request = FeedbackCommands.SimulationRequest(path: data, fitTime: fit)
            request.end = try PortfolioErrors.date(end, "--end")
            request.horizon = horizon
            request.shadowPairs = shadow
            request.challengerWindow = challengerWindow
            request.threshold = threshold
            request.delta = delta
            try PortfolioErrors.run({ try FeedbackCommands.simulate(request) }, format: format)
        }
    }

    struct Benchmark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time scoring N synthetic outcomes and updating every tracker (windows, signatures, drift detectors).")
        @Option(help: "Outcomes per repetition.") var outcomes = 100_000
        @Option(help: "Repetitions.") var repetitions = 5
        @Option(help: "Output format: json or table.") var format: OutputFormat = .table

        func run() async throws {
            CommandRunner.print(FeedbackCommands.benchmark(outcomes: outcomes, repetitions: max(1, repetitions)), format: format)
        }
    }
}

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scan Swift pins, Debian packages or a container image for known vulnerabilities, offline.",
        discussion: """
            Matches the inventory against an OSV database folder (*.json records and osv-scanner's per-ecosystem all.zip), \
            with Debian versions ordered as dpkg orders them and Swift versions by SemVer 2.0, and scores each advisory from its \
            CVSS v3 vector. A missing, unreadable or stale database is reported and never passes as clean. Exit status: 0 clean, \
            1 findings at or above --fail-on, 2 a usage or database problem.
            """)

    @Option(help: "A Package.resolved file (versions 1–3); repeatable.") var resolved: [String] = []
    @Option(help: "A dpkg status file (its release from --os-release, default /etc/os-release).") var dpkgStatus: String?
    @Option(help: "The os-release file naming the Debian release of --dpkg-status.") var osRelease: String?
    @Option(help: "A container image: a root filesystem folder or a `docker save` tarball.") var image: String?
    @Option(help: "The OSV database folder.") var osvDb: String
    @Option(help: "The oldest the newest database record may be (such as 7d, 36h).") var maxDbAge = "7d"
    @Option(help: "Fail (status 1) on findings at or above: low, medium, high, critical (UNKNOWN counts as high).") var failOn = "high"
    @Option(help: "Output format: json, sarif or table.") var format = "table"

    func validate() throws {
        guard ScanCommand.age(maxDbAge) != nil else { throw ValidationError("--max-db-age must be a number with d, h or m, such as 7d") }
        guard VulnerabilityScanner.Severity(rawValue: failOn.uppercased()) != nil, failOn.uppercased() != "UNKNOWN" else {
            throw ValidationError("--fail-on must be low, medium, high or critical")
        }
        guard ["json", "sarif", "table"].contains(format) else { throw ValidationError("--format must be json, sarif or table") }
    }

    func run() throws {
        var request = ScanCommand.Request(database: osvDb)
        request.resolvedFiles = resolved
        request.dpkgStatus = dpkgStatus
        request.osRelease = osRelease
        request.image = image
        request.maximumAge = ScanCommand.age(maxDbAge)!
        request.failOn = VulnerabilityScanner.Severity(rawValue: failOn.uppercased())!
        let result: ScanCommand.Result
        do {
            result = try ScanCommand.run(request, now: SystemClock().now())
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        switch format {
        case "sarif": FileHandle.standardOutput.write(Data(result.sarif.prettySerialized()))
        case "json": CommandRunner.print(result.output, format: .json)
        default: CommandRunner.print(result.output, format: .table)
        }
        for problem in result.report.databaseProblems { FileHandle.standardError.write(Data("\(problem.invalidatesScan ? "error" : "warning"): \(problem)\n".utf8)) }
        for file in result.report.database.unreadable { FileHandle.standardError.write(Data("warning: skipped \(file)\n".utf8)) }
        for warning in result.report.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        if result.exitStatus != 0 { throw ExitCode(result.exitStatus) }
    }
}

/// Options every command that touches the database shares.
struct StorageOptions: ParsableArguments {
    @Option(name: .long, help: "A JSON configuration file.")
    var config: String?

    @Option(name: .long, help: "Folder of the SQLite database (default ./data).")
    var dataDir: String?

    @Option(name: .long, help: "postgres://user:password@host:5432/database to use PostgreSQL instead of SQLite.")
    var databaseURL: String?

    var overrides: [String: String] {
        var values: [String: String] = [:]
        if let dataDir { values["data.dir"] = dataDir }
        if let databaseURL { values["database.url"] = databaseURL }
        return values
    }
}

/// `--format json|table`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case json
    case table
}

/// Loads configuration, sets up logging, runs the body, and turns known errors into exit codes
/// with a one-line message on standard error.
enum CommandRunner {
    static func run(storage: StorageOptions, overrides: [String: String] = [:],
                    _ body: (OrchestratorConfiguration, Logger) async throws -> Void) async throws {
        let configuration: OrchestratorConfiguration
        do {
            configuration = try await ConfigurationLoader.load(overrides: storage.overrides.merging(overrides) { $1 },
                                                               environment: ProcessInfo.processInfo.environment,
                                                               configFile: storage.config)
        } catch let error as ConfigurationError {
            fail(error.description, code: 78)
        }
        LoggingSystem.bootstrap { label in
            JSONLogHandler(label: label, level: configuration.logLevel, format: configuration.logFormat)
        }
        let logger = Logger(label: "orchestrator")
        do {
            try await body(configuration, logger)
        } catch let error as ImportRejection {
            FileHandle.standardError.write(Data("import rejected: nothing was written\n\(error.description)\n".utf8))
            throw ExitCode(65)
        } catch let error as ConfigurationError {
            fail(error.description, code: 78)
        } catch let error as ExitCode {
            throw error
        } catch let error as CustomStringConvertible & Error {
            fail(String(describing: error), code: 1)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(code)
    }

    static func print(_ output: AdministrationCommands.Output, format: OutputFormat) {
        switch format {
        case .json:
            FileHandle.standardOutput.write(Data(output.json.prettySerialized()))
        case .table:
            Swift.print(TableRenderer.render(columns: output.columns, rows: output.rows))
            if let footer = output.footer { Swift.print(footer) }
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the API server (SQLite under --data-dir unless DATABASE_URL is set).",
        discussion: "Creates the schema, imports the bundled sample data into an empty database, creates and prints a first admin key if none exists, and serves until SIGTERM or SIGINT.")

    @OptionGroup var storage: StorageOptions

    @Option(name: .long, help: "Address to bind (default 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (default 8080; 0 picks a free port).")
    var port: String?

    func run() async throws {
        var overrides: [String: String] = [:]
        if let host { overrides["http.host"] = host }
        if let port { overrides["http.port"] = port }
        try await CommandRunner.run(storage: storage, overrides: overrides) { configuration, logger in
            try await ServeCommand.run(configuration, logger: logger) { line in
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
        }
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the API and the autonomous paper-trading loop (the main job).",
        discussion: """
            Replays the stored bars of --symbols (the bundled sample data, imported at first start) through the engine at \
            --speed bars per second: forecasts at every bar, the forecast-allocation strategy every --rebalance-every bars, \
            the risk gate, the simulated venue and the ledger. Every step is stored in one transaction, so after a crash or \
            kill -9 the same command resumes where the store left off, with no order or fill repeated. One console line \
            every --report-every bars; the account is visible at /api/v1/portfolio, /positions, /orders, /trades, /equity \
            and in /metrics.
            """)

    @OptionGroup var storage: StorageOptions
    @Option(name: .long, help: "Address to bind (default 127.0.0.1).") var host: String?
    @Option(name: .long, help: "Port to listen on (default 8080; 0 picks a free port).") var port: String?
    @Option(help: "The trading account (its state lives in the database under this name).") var account = "paper"
    @Option(help: "Comma-separated stored symbols to trade (their shared bar times are replayed).") var symbols = "SP500,NASDAQCOMP"
    @Option(help: "The stored bar length to replay.") var timeframe = "1d"
    @Option(help: "Bars per second of wall-clock time; 0 replays as fast as possible.") var speed: Double = 20
    @Option(help: "Starting cash.") var cash = "100000"
    @Option(help: "Commission as a fraction of notional.") var commission = "0.001"
    @Option(help: "Slippage in basis points against the trader.") var slippageBps = "0"
    @Option(help: "Bars between allocation decisions.") var rebalanceEvery = 5
    @Option(help: "Bars between model refits (forecasts in between carry the fitted models forward).") var refitEvery = 126
    @Option(help: "Risk level: \(RiskLevel.allCases.map(\.rawValue).joined(separator: ", ")).") var riskLevel = "MEDIUM"
    @Option(help: "A console line every this many bars.") var reportEvery = 21
    @Option(help: "First bar replayed (YYYY-MM-DD or ISO-8601); default: the first stored.") var start: String?
    @Option(help: "Last bar replayed (inclusive); default: the last stored.") var end: String?
    @Flag(help: "Exit when the replay ends (otherwise the API keeps serving the final state).") var exitAtEnd = false
    @Option(help: "Where bars come from: replay (stored bars) or binance (live klines; the store is backfilled first).") var feed = "replay"
    @Option(help: "Where orders go: paper (simulated fills at the feed's prices).") var venue = "paper"
    @Option(help: "With a live feed: bars of history fetched first for the models (when the store has fewer); default 500, or enough for the longest forecast horizon.")
    var warmupBars: Int?
    @Option(help: "Horizons forecast at every bar besides the decision's, stored and scored by the feedback loop (comma-separated, or none); default 5m,1h,4h,24h with a live feed, none on a replay.")
    var forecastHorizons: String?
    @Option(help: "The clock of the whole process: system (this machine's) or venue (the exchange's server time, with a live feed; for a stub exchange on an accelerated virtual clock).")
    var clock = "system"
    @Option(help: "Bars of history each decision and model fit sees (more than 300); default with a live feed: the warm-up's count, on a replay: every bar so far.")
    var historyBars: Int?

    func validate() throws {
        guard Timeframe(rawValue: timeframe) != nil else { throw ValidationError("--timeframe must be one of \(Timeframe.codes.joined(separator: ", "))") }
        guard RiskLevel(rawValue: riskLevel) != nil else { throw ValidationError("--risk-level must be one of \(RiskLevel.allCases.map(\.rawValue).joined(separator: ", "))") }
        guard speed >= 0, speed.isFinite else { throw ValidationError("--speed must be 0 or more") }
        guard ["replay", "binance"].contains(feed) else { throw ValidationError("--feed must be replay or binance") }
        guard ["system", "venue"].contains(clock) else { throw ValidationError("--clock must be system or venue") }
        if clock == "venue" && feed != "binance" { throw ValidationError("--clock venue follows a live venue's time: add --feed binance") }
        if let warmupBars, !(301...100_000).contains(warmupBars) { throw ValidationError("--warmup-bars must be 301 to 100000 (the models need more than 300 bars)") }
        if let historyBars, !(301...1_000_000).contains(historyBars) { throw ValidationError("--history-bars must be 301 to 1000000 (the models need more than 300 bars)") }
        if let forecastHorizons, forecastHorizons != "none" {
            for text in forecastHorizons.split(separator: ",") where Horizon(parsing: text.trimmingCharacters(in: .whitespaces)) == nil {
                throw ValidationError("--forecast-horizons: '\(text)' is not a horizon such as 5m, 1h, 4h or 24h")
            }
        }
        guard rebalanceEvery >= 1, reportEvery >= 1, refitEvery >= 1 else {
            throw ValidationError("--rebalance-every, --refit-every and --report-every must be at least 1")
        }
        for (name, value) in [("--start", start), ("--end", end)] where value != nil && Timestamp(iso8601: value!) == nil {
            throw ValidationError("\(name) must be a date (YYYY-MM-DD) or an ISO-8601 time")
        }
    }

    func run() async throws {
        var overrides: [String: String] = [:]
        if let host { overrides["http.host"] = host }
        if let port { overrides["http.port"] = port }
        var options = RunCommand.Options()
        options.account = account
        options.symbols = symbols.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        options.timeframe = Timeframe(rawValue: timeframe)!
        options.barsPerSecond = speed
        options.cash = cash
        options.commission = commission
        options.slippageBasisPoints = slippageBps
        options.rebalanceEvery = rebalanceEvery
        options.refitEvery = refitEvery
        options.riskLevel = RiskLevel(rawValue: riskLevel)!
        options.reportEvery = reportEvery
        options.exitAtEnd = exitAtEnd
        options.start = start.flatMap { Timestamp(iso8601: $0) }
        options.end = end.flatMap { Timestamp(iso8601: $0) }
        options.feed = feed
        options.venue = venue
        options.warmupBars = warmupBars
        options.historyBars = historyBars
        options.clock = clock
        options.forecastHorizons = forecastHorizons.map { text in
            text == "none" ? [] : text.split(separator: ",").compactMap { Horizon(parsing: $0.trimmingCharacters(in: .whitespaces)) }
        }
        try await CommandRunner.run(storage: storage, overrides: overrides) { configuration, logger in
            try await RunCommand.run(configuration, options: options, logger: logger) { line in
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
        }
    }
}

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run jobs (backtests requested through the API) from the shared database until SIGTERM.",
        discussion: "Any number of workers can share one PostgreSQL database; each claims due jobs under a lease, so a job held by a worker that dies is retried by another.")

    @OptionGroup var storage: StorageOptions
    @Option(help: "Jobs run at once.") var concurrency = 2
    @Option(help: "Serve /health/live, /health/ready and /metrics on this port (on server.host); none without it.") var port: Int?

    func validate() throws {
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 256") }
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be from 0 to 65535") }
    }

    func run() async throws {
        try await CommandRunner.run(storage: storage) { configuration, logger in
            try await WorkerCommand.run(configuration, concurrency: concurrency, port: port, logger: logger) { line in
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
        }
    }
}

struct SchedulerRole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Queue the configured schedules' jobs (cron or intervals) until SIGTERM.",
        discussion: "Any number of schedulers may run against one database: one leads through a lease in the store (taken over within 15 s when it dies, at once when it stops cleanly); a tick fires at most once, and ticks missed while none ran fire once.")

    @OptionGroup var storage: StorageOptions
    @Option(help: "Serve /health/live, /health/ready and /metrics on this port (on server.host); none without it.") var port: Int?

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be from 0 to 65535") }
    }

    func run() async throws {
        try await CommandRunner.run(storage: storage) { configuration, logger in
            try await SchedulerCommand.run(configuration, port: port, logger: logger) { line in
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending schema migrations (also done at start-up); safe to run from several processes at once.")

    @OptionGroup var storage: StorageOptions
    @Option(help: "Output format: json or table.") var format: OutputFormat = .table

    func run() async throws {
        try await CommandRunner.run(storage: storage) { configuration, logger in
            CommandRunner.print(try await AdministrationCommands.migrate(configuration, logger: logger), format: format)
        }
    }
}

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
    @Option(help: "The bar length: \(Timeframe.codes.joined(separator: ", ")).") var timeframe: String
    @Option(help: "File layout: ohlcv or wide_close.") var layout: String = "ohlcv"
    @Option(help: "Kind of instrument for new instruments: \(AssetClass.allCases.map(\.rawValue).joined(separator: ", ")).")
    var assetClass: String = "unknown"
    @Option(help: "Quote currency for new instruments, such as USD.") var quoteCurrency: String?
    @Option(help: "Output format: json or table.") var format: OutputFormat = .table

    func validate() throws {
        guard Timeframe(rawValue: timeframe) != nil else {
            throw ValidationError("--timeframe must be one of \(Timeframe.codes.joined(separator: ", ")); got '\(timeframe)'")
        }
        guard let layout = BarFileFormat(rawValue: layout) else { throw ValidationError("--layout must be ohlcv or wide_close; got '\(layout)'") }
        guard AssetClass(rawValue: assetClass) != nil else {
            throw ValidationError("--asset-class must be one of \(AssetClass.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if layout == .ohlcv {
            guard let symbol else { throw ValidationError("--symbol is required for the ohlcv layout") }
            guard Symbol(symbol) != nil else { throw ValidationError("--symbol must be \(Symbol.rule)") }
        }
    }

    func run() async throws {
        let request = MarketDataImporter.Request(
            path: file, layout: BarFileFormat(rawValue: layout)!, symbol: symbol.flatMap(Symbol.init),
            timeframe: Timeframe(rawValue: timeframe)!, assetClass: AssetClass(rawValue: assetClass)!, quoteCurrency: quoteCurrency)
        try await CommandRunner.run(storage: storage) { configuration, logger in
            CommandRunner.print(try await AdministrationCommands.importFile(request, configuration: configuration, logger: logger), format: format)
        }
    }
}

struct APIKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey", abstract: "Create, list and revoke API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key; it is printed once, alone on the last line of standard output. Only its hash is stored.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Role: viewer, trader or admin.") var role: String
        @Option(help: "A label for the key.") var name: String
        @Option(help: "Output format: json or table.") var format: OutputFormat = .table

        func validate() throws {
            guard APIKeyRole(rawValue: role) != nil else { throw ValidationError("--role must be viewer, trader or admin; got '\(role)'") }
        }

        func run() async throws {
            try await CommandRunner.run(storage: storage) { configuration, logger in
                let (output, key) = try await AdministrationCommands.createKey(name: name, role: APIKeyRole(rawValue: role)!,
                                                                               configuration: configuration, logger: logger)
                CommandRunner.print(output, format: format)
                Swift.print(key)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (id, name, role, prefix, state); never the keys.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Output format: json or table.") var format: OutputFormat = .table

        func run() async throws {
            try await CommandRunner.run(storage: storage) { configuration, logger in
                CommandRunner.print(try await AdministrationCommands.listKeys(configuration, logger: logger), format: format)
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id; servers stop accepting it within the key-cache lifetime.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The key id (see apikey list).") var id: Int64
        @Option(help: "Output format: json or table.") var format: OutputFormat = .table

        func run() async throws {
            try await CommandRunner.run(storage: storage) { configuration, logger in
                CommandRunner.print(try await AdministrationCommands.revokeKey(id: id, configuration: configuration, logger: logger), format: format)
            }
        }
    }
}

/// Maps the file-based commands' errors to exit codes: bad data or an infeasible request 65, a missing file 66.
enum PortfolioErrors {
    static func run(_ body: () throws -> AdministrationCommands.Output, format: OutputFormat) throws {
        do {
            CommandRunner.print(try body(), format: format)
        } catch let error as ImportRejection {
            FileHandle.standardError.write(Data("error: the price file was rejected\n\(error.description)\n".utf8))
            throw ExitCode(65)
        } catch let error as ImportFileError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(error.reason.hasPrefix("no such file") ? 66 : 65)
        } catch let error where isRejectedInput(error) {
            FileHandle.standardError.write(Data("error: \(String(describing: error))\n".utf8))
            throw ExitCode(65)
        }
    }

    /// The modules' own errors: the input cannot give an answer (exit 65, the message says why).
    private static func isRejectedInput(_ error: any Error) -> Bool {
        error is PortfolioError || error is AnalyticsError || error is PredictionError || error is BacktestCommands.RequestError
            || error is SMACrossBacktest.BacktestError || error is TradingLoop.LoopError
    }

    static func date(_ text: String?, _ name: String) throws -> Timestamp? {
        guard let text else { return nil }
        guard let date = Timestamp(iso8601: text) else { throw ValidationError("\(name) must be a date such as 2020-01-31, got '\(text)'") }
        return date
    }
}

struct Optimize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Optimise portfolio weights from a wide close-price CSV (a date column, one column per symbol).",
        discussion: """
            Give --objective, or --strategy with --risk-level (and --regime for TACTICAL). Expected returns and covariance \
            are estimated from daily simple returns (252 a year) with PyPortfolioOpt's conventions; weights sum to 1 within \
            [--min-weight, --max-weight] and the --group bounds (strategies keep a cash weight). Errors (infeasible targets, \
            missing prices, constant series) say why and, where known, what is feasible; exit status 65.
            """)

    @Option(help: "The wide close-price CSV file.") var prices: String
    @Option(help: "First date included (YYYY-MM-DD).") var start: String?
    @Option(help: "Last date included (YYYY-MM-DD).") var end: String?
    @Option(help: "Objective: \(OptimizationSpecification.objectives.joined(separator: ", ")).") var objective: String?
    @Option(help: "Strategy: \(AllocationStrategy.allCases.map(\.rawValue).joined(separator: ", ")).") var strategy: String?
    @Option(help: "Risk level for --strategy: \(RiskLevel.allCases.map(\.rawValue).joined(separator: ", ")) (default MEDIUM).") var riskLevel: String?
    @Option(help: "Market regime for TACTICAL: \(MarketRegime.allCases.map(\.rawValue).joined(separator: ", ")).") var regime: String?
    @Option(help: "Target annual return for efficient-return.") var targetReturn: Double?
    @Option(help: "Target annual volatility for efficient-risk.") var targetVolatility: Double?
    @Option(help: "Risk aversion δ for max-utility.") var riskAversion: Double = 1
    @Option(help: "Annual risk-free rate for max-sharpe and the reported Sharpe ratio.") var riskFreeRate: Double = 0.02
    @Option(help: "Expected returns: cagr, mean or ema.") var returns: String = "cagr"
    @Option(help: "Covariance: sample, ledoit-wolf, exponential or semicovariance.") var covariance: String = "sample"
    @Option(help: "Lowest weight per asset (negative allows shorting).") var minWeight: Double = 0
    @Option(help: "Highest weight per asset.") var maxWeight: Double = 1
    @Option(help: "L2 regularisation γ.") var l2Gamma: Double = 0
    @Option(help: "Periods per year used to annualise (252 for daily prices).") var frequency: Double = 252
    @Option(help: "Group bounds NAME=SYM,SYM:MIN:MAX (MIN or MAX may be empty); repeatable.") var group: [String] = []
    @Option(help: "Compute this many times and report the median elapsed_ms (benchmarking).") var repetitions: Int = 1
    @Option(help: "Output format: json or table.") var format: OutputFormat = .table

    func validate() throws {
        guard (1...100_000).contains(repetitions) else { throw ValidationError("--repetitions must be from 1 to 100000") }
        guard (objective == nil) != (strategy == nil) else { throw ValidationError("give either --objective or --strategy") }
        guard frequency > 0, frequency.isFinite else { throw ValidationError("--frequency must be positive") }
        if let objective, !OptimizationSpecification.objectives.contains(objective) {
            throw ValidationError("--objective must be one of \(OptimizationSpecification.objectives.joined(separator: ", "))")
        }
        _ = try PortfolioErrors.date(start, "--start")
        _ = try PortfolioErrors.date(end, "--end")
        _ = try groups()
    }

    /// Parses `NAME=SYM,SYM:MIN:MAX`.
    func groups() throws -> [OptimizationSpecification.Group] {
        try group.map { text in
            let nameAndRest = text.split(separator: "=", maxSplits: 1).map(String.init)
            let parts = nameAndRest.count == 2 ? nameAndRest[1].split(separator: ":", omittingEmptySubsequences: false).map(String.init) : []
            guard parts.count == 3, !nameAndRest[0].isEmpty, !parts[0].isEmpty else {
                throw ValidationError("--group must look like tech=AAPL,MSFT:0.1:0.3 (MIN or MAX may be empty), got '\(text)'")
            }
            func bound(_ value: String) throws -> Double? {
                guard !value.isEmpty else { return nil }
                guard let number = Double(value) else { throw ValidationError("--group \(nameAndRest[0]): '\(value)' is not a number") }
                return number
            }
            return OptimizationSpecification.Group(name: nameAndRest[0], symbols: parts[0].split(separator: ",").map(String.init),
                                                   min: try bound(parts[1]), max: try bound(parts[2]))
        }
    }

    func run() async throws {
        var specification = OptimizationSpecification(objective: objective, strategy: strategy)
        specification.riskLevel = riskLevel
        specification.regime = regime
        specification.targetReturn = targetReturn
        specification.targetVolatility = targetVolatility
        specification.riskAversion = riskAversion
        specification.riskFreeRate = riskFreeRate
        specification.returns = returns
        specification.covariance = covariance
        specification.minWeight = minWeight
        specification.maxWeight = maxWeight
        specification.l2Gamma = l2Gamma
        specification.frequency = frequency
        specification.groups = try groups()
        try PortfolioErrors.run({
            try PortfolioCommands.optimize(pricesPath: prices, start: PortfolioErrors.date(start, "--start"),
                                           end: PortfolioErrors.date(end, "--end"), specification: specification, repetitions: repetitions)
        }, format: format)
    }
}

struct Metrics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Risk and performance metrics of one symbol of a wide close-price CSV, optionally against a benchmark.",
        discussion: """
            Returns are simple daily returns over the dates where the symbol (and the benchmark) have a price. Conventions \
            follow empyrical (annualisation 252, Sharpe and volatility with ddof 1, historical VaR by linear percentile); \
            see docs/portfolio.md. Undefined metrics (Calmar without a drawdown) are null.
            """)

    @Option(help: "The wide close-price CSV file.") var prices: String
    @Option(help: "The symbol (a column of --prices).") var symbol: String
    @Option(help: "A wide close-price CSV holding the benchmark (default: --prices).") var benchmark: String?
    @Option(help: "The benchmark's column.") var benchmarkSymbol: String?
    @Option(help: "First date included (YYYY-MM-DD).") var start: String?
    @Option(help: "Last date included (YYYY-MM-DD).") var end: String?
    @Option(help: "Risk-free return per period (Sharpe, alpha, omega).") var riskFreeRate: Double = 0
    @Option(help: "Required return per period (Sortino, downside risk).") var requiredReturn: Double = 0
    @Option(help: "Periods per year.") var periodsPerYear: Double = 252
    @Option(help: "Compute this many times and report the median elapsed_ms (benchmarking).") var repetitions: Int = 1
    @Option(help: "Output format: json or table.") var format: OutputFormat = .table

    func validate() throws {
        guard (1...1_000_000).contains(repetitions) else { throw ValidationError("--repetitions must be from 1 to 1000000") }
        if benchmark != nil && benchmarkSymbol == nil { throw ValidationError("--benchmark needs --benchmark-symbol") }
        _ = try PortfolioErrors.date(start, "--start")
        _ = try PortfolioErrors.date(end, "--end")
    }

    func run() async throws {
        var request = PortfolioCommands.MetricsRequest(pricesPath: prices, symbol: symbol)
        request.benchmarkPath = benchmark
        request.benchmarkSymbol = benchmarkSymbol
        request.start = try PortfolioErrors.date(start, "--start")
        request.end = try PortfolioErrors.date(end, "--end")
        request.options = MetricsOptions(periodsPerYear: periodsPerYear, riskFreeRate: riskFreeRate, requiredReturn: requiredReturn)
        request.repetitions = repetitions
        try PortfolioErrors.run({ try PortfolioCommands.metrics(request) }, format: format)
    }
}

struct Rebalance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Plan rebalancing orders from holdings, prices and target weights given as JSON.",
        discussion: """
            The file has the shape of the POST /api/v1/portfolio/rebalance body: {"cash": "1000", "targets": {"AAPL": 0.5}, \
            "positions": [{"symbol": "AAPL", "quantity": "3", "price": "190.5", "lot_size": "1"}], "drift_threshold": 0.05, \
            "minimum_notional": "10", "method": "drift"}. Amounts are decimal strings. method greedy allocates the cash into whole \
            lots instead. Orders list sells before buys and never need more cash than there is.
            """)

    @Option(help: "The JSON file with holdings and targets.") var input: String
    @Option(help: "Output format: json or table.") var format: OutputFormat = .table

    func run() async throws {
        try PortfolioErrors.run({ try PortfolioCommands.rebalance(inputPath: input) }, format: format)
    }
}

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
        @Option(help: "Decision time (ISO-8601 UTC); only bars closed by then are read.") var at: String?
        @Option(help: "Forecast this many times from the fitted models and report the median update_ms (benchmarking).") var repetitions = 1
        @Option(help: "An OHLCV CSV of a reference symbol (an index, BTC for altcoins); its 24-bar return correlation becomes a feature.") var reference: String?
        @Option(help: "Comma-separated horizons, multiples of the bar length (default: those of 5m,1h,4h,24h the bars can express).") var horizons: String?
        @Option(help: "Output format: json or table.") var format: OutputFormat = .table

        func run() async throws {
            let time = try PortfolioErrors.date(at, "--at")
            try PortfolioErrors.run({ try PredictionCommands.forecast(path: data, at: time, horizons: horizons, reference: reference, repetitions: repetitions) }, format: format)
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
        @Option(help: "Output format: json or table.") var format: OutputFormat = .table

        func validate() throws {
            guard (1...100).contains(folds) else { throw ValidationError("--folds must be from 1 to 100") }
            if let trainWindow, trainWindow < 100 { throw ValidationError("--train-window must be at least 100 samples") }
        }

        func run() async throws {
            try PortfolioErrors.run({ try PredictionCommands.evaluate(path: data, horizons: horizons, trainingWindow: trainWindow, folds: folds, reference: reference) }, format: format)
        }
    }
}

struct Regimes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Market regimes at the end of an OHLCV CSV: trend, volatility, trend or range, and a Gaussian HMM on log returns.")
    @Option(help: "The OHLCV CSV file.") var data: String
    @Option(help: "HMM states: 2 or 3.") var states = 2
    @Option(help: "Time the HMM fit this many times and report the median hmm_fit_ms (benchmarking).") var repetitions = 1
    @Option(help: "Output format: json or table.") var format: OutputFormat = .table

    func validate() throws {
        guard (2...3).contains(states) else { throw ValidationError("--states must be 2 or 3") }
    }

    func run() async throws {
        try PortfolioErrors.run({ try PredictionCommands.regimes(path: data, states: states, repetitions: repetitions) }, format: format)
    }
}

struct Volatility: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit a volatility model to the closes of an OHLCV CSV (GARCH(1,1) on 100 × log returns, as the arch package).")
    @Option(help: "The OHLCV CSV file.") var data: String
    @Option(help: "The model: garch.") var model = "garch"
    @Option(help: "Fit on the newest N returns only.") var lastReturns: Int?
    @Option(help: "Fit this many times and report the median elapsed_ms (benchmarking).") var repetitions = 1
    @Option(help: "Output format: json or table.") var format: OutputFormat = .table

    func validate() throws {
        guard model == "garch" else { throw ValidationError("--model must be garch") }
    }

    func run() async throws {
        try PortfolioErrors.run({ try PredictionCommands.volatility(path: data, lastReturns: lastReturns, repetitions: repetitions) }, format: format)
    }
}

struct BacktestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Backtest a strategy, or sweep its parameters.",
        subcommands: [Run.self, Sweep.self, WalkForward.self, MonteCarlo.self], defaultSubcommand: Run.self)

    /// Options both subcommands share.
    struct Common: ParsableArguments {
        @Option(help: "An OHLCV CSV file (timestamp or date, open, high, low, close, volume).") var data: [String] = []
        @Option(help: "sma-cross or forecast-allocation.") var strategy: String
        @Option(help: "A strategy parameter k=v (a sweep takes k=start..end:step); repeatable.") var param: [String] = []
        @Option(help: "Starting cash (decimal).") var cash = "100000"
        @Option(help: "Commission as a fraction of notional, such as 0.002.") var commission = "0"
        @Option(help: "Slippage in basis points against the fill.") var slippageBps = "0"
        @Flag(help: "Allow short positions.") var allowShort = false
        @Option(help: "Run this many times and report the median elapsed_ms (benchmarking).") var repetitions = 1
        @Option(help: "Output format: json or table.") var format: OutputFormat = .table

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
            try PortfolioErrors.run({ try BacktestCommands.walkForward(common.request(), trainBars: trainBars, testBars: testBars) }, format: common.format)
        }
    }

    struct MonteCarlo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "monte-carlo",
            abstract: "Shuffle the order of a backtest's trades to see the spread of drawdowns (and resample them for returns).")
        @OptionGroup var common: Common
        @Option(help: "Number of random orders.") var runs = 1000

        func run() async throws {
            try PortfolioErrors.run({ try BacktestCommands.monteCarlo(common.request(), runs: runs) }, format: common.format)
        }
    }

    struct Sweep: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run sma-cross for every fast/slow pair (slow > fast) in parallel across cores; in-sample results only.")
        @OptionGroup var common: Common

        func run() async throws {
            try PortfolioErrors.run({ try BacktestCommands.sweep(common.request()) }, format: common.format)
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
            try PortfolioErrors.run({ try BacktestCommands.run(request) }, format: common.format)
        }
    }
}

struct Version: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version and the schema version this build expects.")
    @Option(help: "Output format: json or table.") var format: OutputFormat = .table

    func run() async throws {
        CommandRunner.print(AdministrationCommands.version(), format: format)
    }
}
