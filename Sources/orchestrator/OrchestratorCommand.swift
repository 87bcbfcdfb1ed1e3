import ArgumentParser
import Foundation
import Logging
import Orchestrator
import PortfolioOptimizer
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
        subcommands: [Serve.self, Migrate.self, Import.self, APIKey.self, Optimize.self, Version.self])
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

struct Optimize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Optimise portfolio weights from a wide close-price CSV (a date column, one column per symbol).",
        discussion: """
            Expected returns and covariance are estimated from daily simple returns (252 a year) with PyPortfolioOpt's \
            conventions; weights sum to 1 within [--min-weight, --max-weight]. Errors (infeasible targets, missing prices, \
            constant series) say why and, where known, what is feasible; exit status 65. risk-parity and hrp are not built yet.
            """)

    @Option(help: "The wide close-price CSV file.") var prices: String
    @Option(help: "First date included (YYYY-MM-DD).") var start: String?
    @Option(help: "Last date included (YYYY-MM-DD).") var end: String?
    @Option(help: "Objective: \(PortfolioCommands.objectives.joined(separator: ", ")).") var objective: String
    @Option(help: "Target annual return for efficient-return.") var targetReturn: Double?
    @Option(help: "Target annual volatility for efficient-risk.") var targetVolatility: Double?
    @Option(help: "Risk aversion δ for max-utility.") var riskAversion: Double = 1
    @Option(help: "Annual risk-free rate for max-sharpe and the reported Sharpe ratio.") var riskFreeRate: Double = 0.02
    @Option(help: "Expected returns: cagr, mean or ema.") var returns: String = "cagr"
    @Option(help: "Covariance: sample, ledoit-wolf, exponential or semicovariance.") var covariance: String = "sample"
    @Option(help: "Lowest weight per asset (negative allows shorting).") var minWeight: Double = 0
    @Option(help: "Highest weight per asset.") var maxWeight: Double = 1
    @Option(help: "Compute this many times and report the median elapsed_ms (benchmarking).") var repetitions: Int = 1
    @Option(help: "Output format: json or table.") var format: OutputFormat = .table

    func validate() throws {
        guard (1...100_000).contains(repetitions) else { throw ValidationError("--repetitions must be from 1 to 100000") }
        guard PortfolioCommands.objectives.contains(objective) else {
            throw ValidationError("--objective must be one of \(PortfolioCommands.objectives.joined(separator: ", "))")
        }
        for (name, value) in [("--start", start), ("--end", end)] {
            if let value, Timestamp(iso8601: value) == nil { throw ValidationError("\(name) must be a date such as 2020-01-31, got '\(value)'") }
        }
    }

    func run() async throws {
        var request = PortfolioCommands.OptimizeRequest(pricesPath: prices, objective: objective)
        request.start = start.flatMap { Timestamp(iso8601: $0) }
        request.end = end.flatMap { Timestamp(iso8601: $0) }
        request.targetReturn = targetReturn
        request.targetVolatility = targetVolatility
        request.riskAversion = riskAversion
        request.riskFreeRate = riskFreeRate
        request.returns = returns
        request.covariance = covariance
        request.minimumWeight = minWeight
        request.maximumWeight = maxWeight
        request.repetitions = repetitions
        do {
            CommandRunner.print(try PortfolioCommands.optimize(request), format: format)
        } catch let error as ImportRejection {
            FileHandle.standardError.write(Data("error: the price file was rejected\n\(error.description)\n".utf8))
            throw ExitCode(65)
        } catch let error as PortfolioError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(65)
        } catch let error as ImportFileError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(66)
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
