import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing

/// Runs the built `orchestrator` executable as a user would.
@Suite("Command line", .serialized)
struct CommandLineTests {
    struct Result {
        let status: Int32
        let output: String
        let error: String
    }

    static var executable: URL {
        TestEnvironment.repositoryRoot.appendingPathComponent(".build/debug/orchestrator")
    }

    /// Starts the executable with the test environment and reads its standard output until a
    /// line contains `marker` (or 60 s pass); the process keeps running.
    static func start(_ arguments: [String], until marker: String) async throws -> (process: ChildProcess, output: String) {
        let process = ChildProcess()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ORCHESTRATOR_") && $0.key != "DATABASE_URL" }
        environment["ORCHESTRATOR_SAMPLE_DATA_IMPORT"] = "false"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while !text.contains(marker) && Date() < deadline {
            let chunk = await output.fileHandleForReading.availableDataOffPool()
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        return (process, text)
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        try await offPool { try runBlocking(arguments, environment: environment) }
    }

    private static func runBlocking(_ arguments: [String], environment: [String: String]) throws -> Result {
        let process = ChildProcess()
        process.executableURL = executable
        process.arguments = arguments
        var base = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ORCHESTRATOR_") && $0.key != "DATABASE_URL" }
        base["ORCHESTRATOR_SAMPLE_DATA_IMPORT"] = "false"
        // Nothing a test starts may reach OSV's bucket: `scan update` and its scheduled job fetch from here unless a test says otherwise.
        base["ORCHESTRATOR_SECURITY_OSV_URL"] = "http://127.0.0.1:9"
        process.environment = base.merging(environment) { $1 }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readToEndRetrying()
        let errorData = error.fileHandleForReading.readToEndRetrying()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                      error: String(decoding: errorData, as: UTF8.self))
    }

    @Test("apikey create prints the key alone on the last line, and list never shows it")
    func createKey() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let created = try await Self.run(["apikey", "create", "--role", "trader", "--name", "bot", "--data-dir", directory.path])
        #expect(created.status == 0, "\(created.error)")
        let key = try #require(created.output.split(separator: "\n").last.map(String.init))
        #expect(key.hasPrefix("tok_") && key.count == 47)
        let listed = try await Self.run(["apikey", "list", "--format", "json", "--data-dir", directory.path])
        #expect(listed.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [String: Any]
        let keys = try #require(json?["api_keys"] as? [[String: Any]])
        #expect(keys.first?["role"] as? String == "trader" && keys.first?["name"] as? String == "bot")
        #expect(!listed.output.contains(key) && !listed.error.contains(key) && !created.error.contains(key))
        let revoked = try await Self.run(["apikey", "revoke", "1", "--format", "json", "--data-dir", directory.path])
        #expect(revoked.status == 0 && revoked.output.contains("\"active\": false"))
    }

    @Test("a bad import exits 65 with file, line, field and reason, and writes nothing")
    func badImport() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("bars.csv", "date,open,high,low,close\n2024-01-02,1,2,1,1\n2024-01-01,1,2,1,1\n")
        let result = try await Self.run(["import", file, "--symbol", "ABC", "--timeframe", "1d", "--data-dir", directory.path])
        #expect(result.status == 65)
        #expect(result.error.contains("\(file):3: date: timestamp 2024-01-01T00:00:00Z is earlier than"), "\(result.error)")
        let good = try directory.write("good.csv", "date,open,high,low,close\n2024-01-01,1,2,1,1\n")
        let imported = try await Self.run(["import", good, "--symbol", "ABC", "--timeframe", "1d", "--format", "json", "--data-dir", directory.path])
        #expect(imported.status == 0, "\(imported.error)")
        #expect(imported.output.contains("\"inserted\": 1"))
    }

    @Test("DATABASE_URL switches every command to PostgreSQL", .enabled(if: TestEnvironment.postgresURL != nil))
    func postgresBackend() async throws {
        let url = try #require(TestEnvironment.postgresURL)
        let environment = ["DATABASE_URL": url]
        let migrated = try await Self.run(["migrate", "--format", "json"], environment: environment)
        #expect(migrated.status == 0, "\(migrated.error)")
        #expect(migrated.output.contains(#""backend": "postgresql""#))
        #expect(!migrated.error.contains("@127.0.0.1") || migrated.error.contains("postgres://orchestrator@127.0.0.1"))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("pg.csv", "date,open,high,low,close,volume\n2024-01-01,1,2,0.5,1.5,10\n2024-01-02,1.5,2,1,2,11\n")
        let symbol = "PG" + String(UInt32.random(in: 0..<UInt32.max), radix: 36).uppercased()
        let imported = try await Self.run(["import", file, "--symbol", symbol, "--timeframe", "1d", "--format", "json"], environment: environment)
        #expect(imported.status == 0, "\(imported.error)")
        #expect(imported.output.contains(#""inserted": 2"#))
        let again = try await Self.run(["import", file, "--symbol", symbol, "--timeframe", "1d", "--format", "json"], environment: environment)
        #expect(again.output.contains(#""unchanged": 2"#))
        let key = try await Self.run(["apikey", "create", "--role", "viewer", "--name", "pg"], environment: environment)
        #expect(key.status == 0 && key.output.split(separator: "\n").last?.hasPrefix("tok_") == true)
    }

    @Test("optimize prints the documented JSON keys, and an unreachable target exits 65 with the feasible range")
    func optimize() async throws {
        let prices = TestEnvironment.sampleDataDirectory.appendingPathComponent("reference/us20_close_1989-12-29_2018-04-11.csv").path
        let result = try await Self.run(["optimize", "--prices", prices, "--start", "2015-01-02", "--end", "2018-04-11",
                                   "--objective", "min-volatility", "--max-weight", "0.1", "--format", "json"])
        #expect(result.status == 0, "\(result.error)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        for key in ["weights", "expected_return", "volatility", "sharpe", "elapsed_ms"] { #expect(json[key] != nil, "\(key)") }
        let weights = try #require(json["weights"] as? [String: Double])
        #expect(weights.count == 20 && abs(weights.values.reduce(0, +) - 1) < 1e-9 && weights.values.allSatisfy { $0 <= 0.1 + 1e-9 })
        let unreachable = try await Self.run(["optimize", "--prices", prices, "--start", "2015-01-02", "--objective", "efficient-return",
                                        "--target-return", "5"])
        #expect(unreachable.status == 65)
        #expect(unreachable.error.contains("unreachable") && unreachable.error.contains("range from"))
        let missing = try await Self.run(["optimize", "--prices", prices, "--objective", "min-volatility"])
        #expect(missing.status == 65 && missing.error.contains("has no price on"))
    }

    @Test("optimize runs every objective and a strategy; HRP and risk parity refuse weight bounds", arguments: [
        (["--objective", "hrp"], 0, ""), (["--objective", "risk-parity"], 0, ""),
        (["--strategy", "BALANCED", "--risk-level", "LOW"], 0, ""),
        (["--objective", "min-volatility", "--group", "tech=GOOG,AAPL,FB,AMD:0.05:0.1"], 0, ""),
        (["--objective", "hrp", "--max-weight", "0.1"], 65, "take no weight bounds"),
        (["--objective", "min-volatility", "--group", "tech=GOOG:0.5:0.2"], 65, "above maximum"),
    ])
    func optimizeVariants(arguments: [String], status: Int32, message: String) async throws {
        let prices = TestEnvironment.sampleDataDirectory.appendingPathComponent("reference/us20_close_1989-12-29_2018-04-11.csv").path
        let result = try await Self.run(["optimize", "--prices", prices, "--start", "2015-01-02", "--format", "json"] + arguments)
        #expect(result.status == status, "\(result.error)")
        #expect(message.isEmpty || result.error.contains(message), "\(result.error)")
        if status == 0 {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
            let weights = try #require(json["weights"] as? [String: Double])
            let cash = try #require(json["cash_weight"] as? Double)
            #expect(abs(weights.values.reduce(0, +) + cash - 1) < 1e-9)
        }
    }

    @Test("metrics prints the documented keys for a symbol against a benchmark; a missing column exits 65 naming it")
    func metrics() async throws {
        let data = TestEnvironment.sampleDataDirectory
        let result = try await Self.run(["metrics", "--prices", data.appendingPathComponent("us19_close_1990-01-02_2024-11-29.csv").path,
                                   "--symbol", "AAPL", "--benchmark", data.appendingPathComponent("spy_close_1993-01-29_2024-11-29.csv").path,
                                   "--benchmark-symbol", "SPY", "--start", "2015-01-02", "--format", "json"])
        #expect(result.status == 0, "\(result.error)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        for key in ["annual_return", "annual_volatility", "sharpe_ratio", "sortino_ratio", "calmar_ratio", "max_drawdown",
                    "value_at_risk_95", "conditional_value_at_risk_95", "alpha", "beta", "omega_ratio", "tail_ratio",
                    "downside_risk", "cumulative_return", "information_ratio", "elapsed_ms"] {
            #expect(json[key] is Double, "\(key)")
        }
        #expect(json["count"] as? Int == 2494)
        let missing = try await Self.run(["metrics", "--prices", data.appendingPathComponent("spy_close_1993-01-29_2024-11-29.csv").path, "--symbol", "QQQ"])
        #expect(missing.status == 65 && missing.error.contains("no column QQQ"))
    }

    @Test("rebalance reads holdings and targets from JSON and prints orders; bad JSON exits 65 naming the member")
    func rebalance() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = directory.file("plan.json")
        try #"{"cash": "100", "targets": {"A": 0.5, "B": 0.5}, "positions": [{"symbol": "A", "quantity": "9", "price": "100"}, {"symbol": "B", "quantity": "0", "price": "50"}]}"#
            .write(toFile: input, atomically: true, encoding: .utf8)
        let result = try await Self.run(["rebalance", "--input", input, "--format", "json"])
        #expect(result.status == 0, "\(result.error)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let orders = try #require(json["orders"] as? [[String: Any]])
        #expect(orders.map { $0["side"] as? String } == ["sell", "buy"])
        try #"{"cash": "100", "targets": {"A": "half"}, "positions": []}"#.write(toFile: input, atomically: true, encoding: .utf8)
        let bad = try await Self.run(["rebalance", "--input", input])
        #expect(bad.status == 65 && bad.error.contains("targets.A"), "\(bad.error)")
    }

    /// The first `count` lines of bars of the bundled hourly BTC-USD file, as a temporary CSV.
    static func hourlyFile(_ directory: TemporaryDirectory, bars count: Int) throws -> String {
        let source = TestEnvironment.sampleDataDirectory.appendingPathComponent("BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv")
        let lines = try String(contentsOf: source, encoding: .utf8).split(separator: "\n").prefix(count + 1)
        let path = directory.file("BTC-USD_1h.csv")
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("forecast, forecast evaluate, regimes and volatility print their documented JSON on an OHLCV file")
    func predictionCommands() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try Self.hourlyFile(directory, bars: 1500)
        func json(_ arguments: [String]) async throws -> [String: Any] {
            let result = try await Self.run(arguments + ["--format", "json"])
            #expect(result.status == 0, "\(arguments): \(result.error)")
            return try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        }
        let forecast = try await json(["forecast", "--data", file, "--at", "2017-08-30T00:00:00Z"])
        let forecasts = try #require(forecast["forecasts"] as? [[String: Any]])
        // The default horizons the hourly bars can express: 1h, 4h, 24h (5m is finer than the data).
        #expect(forecasts.map { $0["horizon"] as? String } == ["1h", "4h", "24h"])
        #expect(forecast["data_time"] as? String == "2017-08-30T00:00:00Z")
        for key in ["expected_log_return", "probability_up", "volatility", "interval_80", "models", "baselines"] { #expect(forecasts[0][key] != nil, "\(key)") }
        let evaluation = try await json(["forecast", "evaluate", "--data", file, "--horizons", "1h,4h", "--folds", "2"])
        #expect((evaluation["horizons"] as? [[String: Any]])?.count == 2)
        let regimes = try await json(["regimes", "--data", file])
        let hmm = try #require(regimes["hmm"] as? [String: Any])
        let states = try #require(hmm["states"] as? [[String: Double]])
        #expect(states.count == 2 && states[0]["mean"]! <= states[1]["mean"]!)
        for key in ["trend", "volatility_regime", "trend_or_range"] { #expect(regimes[key] != nil, "\(key)") }
        let volatility = try await json(["volatility", "--data", file, "--model", "garch"])
        let parameters = try #require(volatility["params"] as? [String: Double])
        #expect(Set(parameters.keys) == ["mu", "omega", "alpha", "beta"])
        for key in ["loglikelihood", "next_variance", "elapsed_ms"] { #expect(volatility[key] is Double, "\(key)") }
        let fine = try await Self.run(["forecast", "--data", file, "--horizons", "5m"])
        #expect(fine.status == 65 && fine.error.contains("finer than the data's 1h bars"), "\(fine.error)")
    }

    @Test("backtest prints the documented keys and writes the trade list; sweep ranks every pair; bad parameters exit 65")
    func backtest() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try Self.hourlyFile(directory, bars: 3000)
        let tradesFile = directory.file("trades.csv")
        let result = try await Self.run(["backtest", "--data", file, "--strategy", "sma-cross", "--param", "fast=10", "--param", "slow=30",
                                   "--cash", "1000000", "--commission", "0.002", "--trades", tradesFile, "--format", "json"])
        #expect(result.status == 0, "\(result.error)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        for key in ["final_equity", "return_pct", "trades", "max_drawdown_pct", "sharpe_ratio", "win_rate_pct", "exposure_pct", "elapsed_ms"] {
            #expect(json[key] != nil, "\(key)")
        }
        let trades = try #require(json["trades"] as? Int)
        let report = directory.file("report.html")
        let withReport = try await Self.run(["backtest", "--data", file, "--strategy", "sma-cross", "--param", "fast=10", "--param", "slow=30",
                                       "--report", report])
        #expect(withReport.status == 0, "\(withReport.error)")
        let page = try String(contentsOfFile: report, encoding: .utf8)
        #expect(page.contains("<svg id=\"equity-chart\"") && page.contains("id=\"monthly\""))
        #expect(!page.contains("<script") && !page.contains("http://") && !page.contains("https://"), "the tear sheet must be self-contained")
        let csv = try String(contentsOfFile: tradesFile, encoding: .utf8)
        #expect(csv.split(separator: "\n").count == trades + 1)
        let sweep = try await Self.run(["backtest", "sweep", "--data", file, "--strategy", "sma-cross", "--param", "fast=5..20:5",
                                  "--param", "slow=20..60:20", "--format", "json"])
        #expect(sweep.status == 0, "\(sweep.error)")
        let sweepJSON = try #require(try JSONSerialization.jsonObject(with: Data(sweep.output.utf8)) as? [String: Any])
        // fast 5, 10, 15, 20 × slow 20, 40, 60 with slow > fast: 11 pairs.
        #expect(sweepJSON["combinations"] as? Int == 11)
        for (arguments, message) in [(["--param", "fast=30", "--param", "slow=10"], "must be above fast"),
                                     (["--strategy", "forecast-allocation"], "give at least two --data files"), (["--param", "speed=3"], "not speed")] {
            var command = ["backtest", "--data", file]
            if !arguments.contains("--strategy") { command += ["--strategy", "sma-cross"] }
            let failed = try await Self.run(command + arguments)
            #expect(failed.status == 65 && failed.error.contains(message), "\(arguments): \(failed.error)")
        }
    }

    @Test("forecast-allocation runs several symbols through the loop and reports its orders and state")
    func forecastAllocation() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var files: [String] = []
        for name in ["SP500_1d_1999-01-04_2018-12-31.csv", "NASDAQCOMP_1d_1999-01-04_2018-12-31.csv"] {
            let lines = try String(contentsOf: TestEnvironment.sampleDataDirectory.appendingPathComponent(name), encoding: .utf8)
                .split(separator: "\n").prefix(701)
            let path = directory.file(name)
            try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            files.append(path)
        }
        let result = try await Self.run(["backtest", "--data", files[0], "--data", files[1], "--strategy", "forecast-allocation",
                                   "--param", "rebalance_every=63", "--commission", "0.001", "--format", "json"])
        #expect(result.status == 0, "\(result.error)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        for key in ["final_equity", "return_pct", "trades", "orders", "rejections", "decisions", "final_state", "elapsed_ms"] { #expect(json[key] != nil, "\(key)") }
        #expect((json["decisions"] as? Int ?? 0) > 0)
        #expect(json["final_state"] as? String == "ACTIVE")
    }

    @Test("invalid configuration exits 78 naming the key")
    func invalidConfiguration() async throws {
        let result = try await Self.run(["migrate"], environment: ["ORCHESTRATOR_LOG_LEVEL": "chatty"])
        #expect(result.status == 78)
        #expect(result.error.contains("log.level") && result.error.contains("ORCHESTRATOR_LOG_LEVEL"))
    }

    @Test("every result command offers --format json|table", arguments: [
        ["version"], ["migrate"], ["import"], ["apikey", "create"], ["apikey", "list"], ["apikey", "revoke"], ["optimize"],
        ["metrics"], ["rebalance"], ["forecast", "make"], ["forecast", "evaluate"], ["regimes"], ["volatility"],
        ["backtest", "run"], ["backtest", "sweep"], ["backtest", "walk-forward"], ["backtest", "monte-carlo"], ["scan", "check"], ["scan", "update"], ["health"],
        ["feedback", "report"], ["feedback", "score"], ["feedback", "optimize"], ["feedback", "simulate"], ["feedback", "benchmark"],
    ])
    func formatOption(command: [String]) async throws {
        let help = try await Self.run(command + ["--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("--format"), "\(command)")
    }

    @Test("an option's unknown value is refused by the parser (status 64) with the accepted values listed", arguments: [
        (["import", "prices.csv", "--timeframe", "7m"], "--timeframe", "1h"),
        (["import", "prices.csv", "--timeframe", "1d", "--layout", "xlsx"], "--layout", "wide_close"),
        (["import", "prices.csv", "--timeframe", "1d", "--asset-class", "bond"], "--asset-class", "crypto"),
        (["run", "--risk-level", "EXTREME"], "--risk-level", "VERY_HIGH"),
        (["run", "--feed", "kraken"], "--feed", "binance"),
        (["run", "--clock", "atomic"], "--clock", "venue"),
        (["optimize", "--prices", "p.csv", "--objective", "max-return"], "--objective", "max-sharpe"),
        (["optimize", "--prices", "p.csv", "--strategy", "YOLO"], "--strategy", "BALANCED"),
        (["optimize", "--prices", "p.csv", "--objective", "hrp", "--covariance", "robust"], "--covariance", "ledoit-wolf"),
        (["optimize", "--prices", "p.csv", "--objective", "hrp", "--start", "last tuesday"], "--start", "First date included"),
        (["apikey", "create", "--name", "x", "--role", "root"], "--role", "viewer"),
        (["backtest", "run", "--data", "a.csv", "--strategy", "buy-and-hold"], "--strategy", "sma-cross"),
        (["version", "--format", "yaml"], "--format", "table"),
        (["scan", "--osv-db", "db", "--fail-on", "UNKNOWN"], "--fail-on", "critical"),
    ])
    func invalidValuesRefused(arguments: [String], option: String, accepted: String) async throws {
        let result = try await Self.run(arguments)
        // scan keeps the scanners' convention for usage errors: 2.
        #expect(result.status == (arguments[0] == "scan" ? 2 : 64), "\(arguments): \(result.status) \(result.error)")
        #expect(result.error.contains(option) && result.error.contains(accepted), "\(arguments): \(result.error)")
    }

    @Test("serve answers on its port and stops cleanly on SIGTERM")
    func serveAndStop() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (process, text) = try await Self.start(["serve", "--port", "0", "--data-dir", directory.path], until: "Metrics:")
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("API:") })
        let port = try #require(line.firstMatch(of: /127\.0\.0\.1:(\d+)/)?.output.1)
        #expect(text.contains("first admin API key"))
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health/ready")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self).contains("ready"))
        process.terminate()
        await process.exited()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }
}
