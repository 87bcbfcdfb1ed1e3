import BinanceStub
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import QuantMath
import Storage
import TestSupport
import Testing
import TradingCore
import TradingEngine

/// `orchestrator run --feed binance` against the stub exchange: the store is backfilled from the
/// exchange's klines, every live closed kline is stored and traded once, and a kill -9 and a
/// restart heal the bars missed meanwhile without trading any bar twice.
@Suite("Live paper trading on the Binance feed", .serialized)
struct LiveRunTests {
    /// 320 closed minute bars of two symbols whose last one opened `minutesAgo` whole minutes
    /// before this minute (random walks, seeded): ten by default, so the bars the test adds after
    /// them are closed too by the exchange's clock.
    static func history(now: Int64, minutesAgo: Int64 = 10) -> (btc: [Bar], eth: [Bar]) {
        var generator = SeededGenerator(seed: 7)
        let last = now - now % 60_000 - minutesAgo * 60_000
        func walk(_ start: Double) -> [Bar] {
            var price = start
            return (0..<320).map { index in
                let open = price
                price *= 1 + Double.random(in: -0.002...0.002, using: &generator)
                let text = { (value: Double) in String(format: "%.2f", value) }
                let high = max(open, price) * 1.0005, low = min(open, price) * 0.9995
                return try! Bar(openTime: Timestamp(millisecondsSinceEpoch: last - Int64(319 - index) * 60_000), open: Price(text(open))!,
                                high: Price(text(high))!, low: Price(text(low))!, close: Price(text(price))!, volume: Quantity(FixedDecimal(3)))
            }
        }
        return (walk(30_000), walk(2_000))
    }

    /// A started stub exchange listing BTCUSDT and ETHUSDT with these histories, on `clock` (milliseconds; the wall clock by default).
    static func startExchange(btc: [Bar], eth: [Bar], clock: (@Sendable () -> Int64)? = nil) async throws -> (BinanceStubExchange, BinanceStubServer) {
        let listings: [BinanceStubExchange.Listing] = [.init(symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT"),
                                                       .init(symbol: "ETHUSDT", baseAsset: "ETH", quoteAsset: "USDT")]
        let exchange = clock.map { BinanceStubExchange(listings: listings, balances: [:], clock: $0) } ?? BinanceStubExchange(listings: listings, balances: [:])
        await exchange.setHistory(btc, symbol: "BTCUSDT", interval: "1m")
        await exchange.setHistory(eth, symbol: "ETHUSDT", interval: "1m")
        let server = BinanceStubServer(exchange: exchange)
        try await server.start()
        return (exchange, server)
    }

    /// Starts `run` on the stub's feed; `options` follow the common ones, `extraEnvironment` adds to the environment.
    static func start(_ folder: TemporaryDirectory, port: Int, output: Pipe, options: [String] = ["--rebalance-every", "5"],
                      extraEnvironment: [String: String] = [:]) throws -> ChildProcess {
        try launch(folder, arguments: ["--feed", "binance", "--symbols", "BTCUSDT,ETHUSDT", "--timeframe", "1m"] + options, output: output,
                   environment: ["ORCHESTRATOR_VENUES_BINANCE_REST_URL": "http://127.0.0.1:\(port)",
                                 "ORCHESTRATOR_VENUES_BINANCE_WS_STREAM_URL": "ws://127.0.0.1:\(port)"].merging(extraEnvironment) { _, extra in extra })
    }

    /// Starts `run` on `folder` with `arguments` after the common ones (any port, a line a bar, 330 bars of warm-up), in an
    /// environment without this machine's orchestrator and venue settings, plus `environment`.
    static func launch(_ folder: TemporaryDirectory, arguments: [String], output: Pipe, environment extra: [String: String]) throws -> ChildProcess {
        let process = ChildProcess()
        process.executableURL = CommandLineTests.executable
        process.arguments = ["run", "--data-dir", folder.path, "--port", "0", "--report-every", "1", "--warmup-bars", "330"] + arguments
        var environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("ORCHESTRATOR_") && !$0.key.hasPrefix("BINANCE_") && !$0.key.hasPrefix("APCA_") && $0.key != "DATABASE_URL"
        }
        environment["ORCHESTRATOR_SAMPLE_DATA_IMPORT"] = "false"
        environment["ORCHESTRATOR_SECURITY_CHECK_INTERVAL_SECONDS"] = "0"
        environment["ORCHESTRATOR_FEEDBACK_SCORE_INTERVAL_SECONDS"] = "0"
        environment["ORCHESTRATOR_AUTH_ADMIN_KEY"] = CrashSafetyTests.adminKey
        environment.merge(extra) { _, extra in extra }
        process.environment = environment
        process.standardOutput = output
        // Kept in the run's folder (appended across restarts) so a failure can say why a run stopped.
        let errors = folder.file("run.stderr")
        if !FileManager.default.fileExists(atPath: errors) { _ = FileManager.default.createFile(atPath: errors, contents: nil) }
        let handle = FileHandle(forWritingAtPath: errors)
        _ = try handle?.seekToEnd()
        process.standardError = handle ?? FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The last lines the runs in `folder` wrote to standard error (for a failure's message).
    static func stderrTail(_ folder: TemporaryDirectory, lines: Int = 15) -> String {
        let text = (try? String(contentsOfFile: folder.file("run.stderr"), encoding: .utf8)) ?? ""
        return "\nstandard error:\n" + text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// Reads the process's output until it contains `marker`.
    static func read(_ output: Pipe, until marker: String, into text: inout String, within seconds: TimeInterval = 120) async {
        await read(output, into: &text, within: seconds) { $0.contains(marker) }
    }

    /// Reads the process's output until `done` holds for all of it.
    static func read(_ output: Pipe, into text: inout String, within seconds: TimeInterval = 120, until done: (String) -> Bool) async {
        let deadline = Date().addingTimeInterval(seconds)
        while !done(text) && Date() < deadline {
            let chunk = await output.fileHandleForReading.availableDataOffPool()
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
    }

    @Test("--clock venue: the whole run keeps the exchange's accelerated virtual time, days away from the wall clock")
    func venueClock() async throws {
        // The exchange's market is ten days in the past and runs 60 times the wall clock.
        let tenDaysAgo = Int64(Date().timeIntervalSince1970 * 1_000) - 10 * 86_400_000
        let (btc, eth) = Self.history(now: tenDaysAgo, minutesAgo: 0)
        let marketClock = BinanceStubMarketClock(origin: btc.last!.openTime.millisecondsSinceEpoch + 60_000, scale: 60)
        let (exchange, server) = try await Self.startExchange(btc: btc, eth: eth, clock: { marketClock.now() })
        defer { server.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        marketClock.start()
        let output = Pipe()
        let process = try Self.start(folder, port: server.port, output: output, options: ["--rebalance-every", "5", "--clock", "venue", "--warmup-bars", "2000"])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        var text = ""
        await Self.read(output, until: "bar 320/320", into: &text)
        let announced = try #require(text.firstMatch(of: /On the venue's clock: (\S+), running ([0-9.]+)× this machine's/), "\(text)\(Self.stderrTail(folder))")
        // Measured over a second of readings whose round trips vary on a loaded machine: near 60, far from this machine's 1.
        #expect((30...120).contains(Double(announced.output.2)!), "the clock measured the exchange's pace: \(announced.output.2)")
        let venueTime = try #require(Timestamp(iso8601: String(announced.output.1)))
        #expect(abs(venueTime.millisecondsSinceEpoch - tenDaysAgo) < 3_600_000, "the run's time is the exchange's, not the wall clock's")
        let connected = Date().addingTimeInterval(60)
        while await exchange.openStreamConnections == 0 && Date() < connected { try await Task.sleep(for: .milliseconds(20)) }
        // The next bars close on the exchange's clock: one a second of wall time.
        for index in 1...2 {
            let closes = btc.last!.openTime.millisecondsSinceEpoch + Int64(index + 1) * 60_000
            while marketClock.now() < closes { try await Task.sleep(for: .milliseconds(10)) }
            for (bars, symbol) in [(btc, "BTCUSDT"), (eth, "ETHUSDT")] {
                let last = bars.last!
                await exchange.trade(try Bar(openTime: last.openTime.adding(milliseconds: Int64(index) * 60_000), open: last.close, high: last.close,
                                             low: last.close, close: last.close, volume: Quantity(FixedDecimal(1))), symbol: symbol, interval: "1m")
            }
        }
        await Self.read(output, until: "bar 322/322", into: &text)
        // The console's lag is taken on the run's clock: the exchange's minutes that passed while the
        // process started (60 a second of wall time), not ten days.
        let line = try #require(text.split(separator: "\n").first { $0.contains("bar 322/322") })
        let lag = try #require(line.firstMatch(of: /lag (-?[0-9.]+)s/).flatMap { Double($0.output.1) }, "\(line)")
        #expect(lag > -60 && lag < 3_600, "\(line)")
        process.terminate()
        await process.exited()
        #expect(process.terminationStatus == 0)
    }

    @Test("backfill, live bars traded once each, kill -9, restart: the missed bar is healed and no bar is stored or traded twice")
    func liveRunSurvivesAKill() async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let (btc, eth) = Self.history(now: now)
        let (exchange, server) = try await Self.startExchange(btc: btc, eth: eth)
        defer { server.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }

        func next(_ bars: [Bar], _ index: Int) -> Bar {
            let last = bars.last!
            return try! Bar(openTime: last.openTime.adding(milliseconds: Int64(index) * 60_000), open: last.close, high: last.close, low: last.close,
                            close: last.close, volume: Quantity(FixedDecimal(1)))
        }
        let output = Pipe()
        let process = try Self.start(folder, port: server.port, output: output)
        // Whatever fails below, no child is left running after the test.
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        var text = ""
        await Self.read(output, until: "bar 320/320", into: &text)
        #expect(text.contains("Backfilled 320 1m bars of BTCUSDT") && text.contains("Backfilled 320 1m bars of ETHUSDT"), "\(text)")
        #expect(text.contains("live binance 1m bars"), "\(text)")
        // Wait for the stream connection before the exchange trades.
        let connected = Date().addingTimeInterval(60)
        while await exchange.openStreamConnections == 0 && Date() < connected { try await Task.sleep(for: .milliseconds(20)) }
        for index in 1...2 {
            await exchange.trade(next(btc, index), symbol: "BTCUSDT", interval: "1m")
            await exchange.trade(next(eth, index), symbol: "ETHUSDT", interval: "1m")
        }
        await Self.read(output, until: "bar 322/322", into: &text)
        #expect(text.contains("bar 321/321") && text.contains("bar 322/322"), "\(text)")
        // The feed as the API and /metrics show it.
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("API:") })
        let apiPort = try #require(line.firstMatch(of: /127\.0\.0\.1:(\d+)/)?.output.1)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(apiPort)/api/v1/venues")!)
        request.setValue("Bearer \(CrashSafetyTests.adminKey)", forHTTPHeaderField: "Authorization")
        let (data, _) = try await URLSession.shared.data(for: request)
        let venues = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let feed = try #require(venues["feed"] as? [String: Any], "\(venues)")
        #expect(feed["name"] as? String == "binance" && feed["connected"] as? Bool == true && (feed["bars_received"] as? Int ?? 0) >= 4, "\(feed)")
        #expect(venues["venue"] as? String == "paper" && (venues["rate_limits"] as? [Any])?.isEmpty == false)
        let metricsDeadline = Date().addingTimeInterval(30)
        var exposition = ""
        while !exposition.contains("orchestrator_feed_connected 1") && Date() < metricsDeadline {
            exposition = String(decoding: try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(apiPort)/metrics")!).0, as: UTF8.self)
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(exposition.contains("orchestrator_feed_connected 1") && exposition.contains("orchestrator_venue_rate_budget_used_ratio"))
        kill(process.processIdentifier, SIGKILL)
        await process.exited()
        // The stub sees the dead process's connection close before the restart connects (a bar sent to it would be lost).
        let closed = Date().addingTimeInterval(60)
        while await exchange.openStreamConnections > 0 && Date() < closed { try await Task.sleep(for: .milliseconds(20)) }

        // While it is down, a bar closes; the restart heals it from history, then trades a live one.
        await exchange.trade(next(btc, 3), symbol: "BTCUSDT", interval: "1m")
        await exchange.trade(next(eth, 3), symbol: "ETHUSDT", interval: "1m")
        let again = Pipe()
        let restarted = try Self.start(folder, port: server.port, output: again)
        defer { if restarted.isRunning { kill(restarted.processIdentifier, SIGKILL) } }
        var second = ""
        await Self.read(again, until: "bar 323/323", into: &second)
        #expect(second.contains("bar 323/323"), "\(second)")
        #expect(!second.contains("bar 1/"), "a restart resumes from the checkpoint, it does not replay from the start")
        let reconnected = Date().addingTimeInterval(60)
        while await exchange.openStreamConnections == 0 && Date() < reconnected { try await Task.sleep(for: .milliseconds(20)) }
        await exchange.trade(next(btc, 4), symbol: "BTCUSDT", interval: "1m")
        await exchange.trade(next(eth, 4), symbol: "ETHUSDT", interval: "1m")
        await Self.read(again, until: "bar 324/324", into: &second)
        #expect(second.contains("bar 324/324"), "\(second)")
        restarted.terminate()
        await restarted.exited()
        #expect(restarted.terminationStatus == 0)
        let books = try await CrashSafetyTests.books(folder)
        #expect(books.nextIndex == 324)
        #expect(books.marks.count == 324 && Set(books.marks).count == 324, "every bar traded once")
        #expect(Set(books.fills).count == books.fills.count)

        // Forecasts at the live horizons the history allows (5m is also the decision's; 4h and 24h
        // need more than these 324 minute bars to be trained), scored by the feedback loop as their horizons pass.
        let store = SQLStore(database: try SQLiteDatabase(path: folder.file("orchestrator.sqlite")), clock: FixedClock())
        let forecasts = try await store.forecasts(symbol: Symbol("BTCUSDT")!, limit: 100_000)
        #expect(Set(forecasts.map(\.horizon)) == ["5m", "1h"], "\(Set(forecasts.map(\.horizon)))")
        #expect(Set(forecasts.filter { $0.horizon == "1h" }.map(\.dataTime)) == Set(forecasts.filter { $0.horizon == "5m" }.map(\.dataTime)))
        // The first forecasts come at bar 301 (the models need more than 300 bars): the 5-minute ones
        // have ended, the hour ones wait for bars not yet closed.
        let report = try await FeedbackCycle(store: store).score(now: Timestamp(millisecondsSinceEpoch: now + 3_600_000))
        let scored = try await store.outcomes(limit: 100_000)
        #expect(report.scored == scored.count && Set(scored.map(\.horizon)) == ["5m"], "\(report)")
        #expect(report.waiting >= forecasts.filter { $0.horizon == "1h" }.count, "\(report)")
        // A forecast is scored against the close of the stored bar at its target time, live bars included.
        #expect(scored.contains { $0.horizon == "5m" && $0.targetTime.millisecondsSinceEpoch > btc.last!.openTime.millisecondsSinceEpoch + 60_000 })
        try await store.close()
    }
}
