import AlpacaStub
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import QuantMath
import Storage
import TestSupport
import Testing
import TradingCore

/// `orchestrator run --feed alpaca --venue alpaca` against the stub broker: minute bars backfilled
/// and streamed, orders on the broker once each, its executions booked from `trade_updates` and the
/// FILL activities, a `kill -9` with an order in flight reconciled at the restart to books equal to
/// the broker's record; stock orders wait for the market's hours.
@Suite("Trading on the Alpaca stub from run", .serialized)
struct AlpacaRunTests {
    static let keyID = "PKTESTKEYID0000000001", secret = "stub-secret-that-must-never-be-printed-0001"

    /// The environment that points the connector at the stub on `port`, with the key.
    static func environment(port: Int, key: Bool = true) -> [String: String] {
        var environment = ["ORCHESTRATOR_VENUES_ALPACA_DATA_URL": "http://127.0.0.1:\(port)", "ORCHESTRATOR_VENUES_ALPACA_STREAM_URL": "ws://127.0.0.1:\(port)",
                           "ORCHESTRATOR_VENUES_ALPACA_TRADING_URL": "http://127.0.0.1:\(port)",
                           "ORCHESTRATOR_VENUES_ALPACA_TRADING_STREAM_URL": "ws://127.0.0.1:\(port)/stream"]
        if key {
            environment["APCA_API_KEY_ID"] = keyID
            environment["APCA_API_SECRET_KEY"] = secret
        }
        return environment
    }

    /// A started broker with `assets`, 100,000 dollars and the test's key.
    static func startBroker(_ assets: [AlpacaStubBroker.Asset]) async throws -> (AlpacaStubBroker, AlpacaStubServer) {
        let broker = AlpacaStubBroker(assets: assets, cash: FixedDecimal(100_000), keyID: keyID, secret: secret)
        let server = AlpacaStubServer(broker: broker)
        try await server.start()
        return (broker, server)
    }

    /// The bar `index` minutes after the last of `bars`, moved by `move` from its close.
    static func next(_ bars: [Bar], _ index: Int, move: Double = 0) -> Bar {
        let last = bars.last!
        let close = Price(String(format: "%.2f", last.close.value.doubleValue * (1 + move)))!
        return try! Bar(openTime: last.openTime.adding(milliseconds: Int64(index) * 60_000), open: last.close, high: max(last.close, close),
                        low: min(last.close, close), close: close, volume: Quantity(FixedDecimal(1)))
    }

    /// The broker's executions as the books should hold them: `<client order id>-<order id>@<cumulative> side quantity @ price fee 0`.
    static func brokerFills(_ broker: AlpacaStubBroker) async -> [String] {
        let orders = await broker.orders, fills = await broker.fills
        return fills.map { fill in
            let order = orders.first { $0.id == fill.orderID }!
            return "\(order.clientOrderID)-\(fill.orderID)@\(fill.cumulative) \(fill.side) \(fill.quantity) @ \(fill.price) fee 0"
        }.sorted()
    }

    /// Waits until `condition` holds or `seconds` pass.
    static func wait(_ seconds: TimeInterval = 60, until condition: () async -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while await !condition() && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
    }

    /// `GET /api/v1/venues` of the process whose console is `text`.
    static func venues(_ text: String) async throws -> [String: Any] {
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("API:") })
        let port = try #require(line.firstMatch(of: /127\.0\.0\.1:(\d+)/)?.output.1)
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/venues")!)
        request.setValue("Bearer \(CrashSafetyTests.adminKey)", forHTTPHeaderField: "Authorization")
        return try #require(try JSONSerialization.jsonObject(with: try await URLSession.shared.data(for: request).0) as? [String: Any])
    }

    @Test("crypto on Alpaca: live bars decide, kill -9 with an order's answer held back, the restart reconciles; each order sent once, the books equal the broker's record")
    func ordersSurviveAKill() async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let (btc, eth) = LiveRunTests.history(now: now, minutesAgo: 2)
        let (broker, server) = try await Self.startBroker([.init(symbol: "BTC/USD"), .init(symbol: "ETH/USD")])
        defer { server.stop() }
        await broker.setBars(btc, symbol: "BTC/USD")
        await broker.setBars(eth, symbol: "ETH/USD")
        // Each order fills in two executions; the first order's answer does not come back in time.
        await broker.setPiecesPerFill(2)
        await broker.inject(delayNextSubmit: .seconds(60))
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let arguments = ["--feed", "alpaca", "--venue", "alpaca", "--symbols", "BTC-USD,ETH-USD", "--timeframe", "1m", "--rebalance-every", "1"]

        let output = Pipe()
        let process = try LiveRunTests.launch(folder, arguments: arguments, output: output, environment: Self.environment(port: server.port))
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        var text = ""
        await LiveRunTests.read(output, until: "bar 320/320", into: &text)
        #expect(text.contains("Backfilled 320 1m bars of BTC-USD") && text.contains("Trading on Alpaca (paper account or configured endpoint)"),
                "\(text)\(LiveRunTests.stderrTail(folder))")
        await LiveRunTests.read(output, until: "the books agree", into: &text, within: 30)
        #expect(await broker.orders.isEmpty, "the bars caught up at start take no decision")
        try await Self.wait { await broker.isStreaming }
        await broker.publishBar(Self.next(btc, 1), symbol: "BTC/USD")
        await broker.publishBar(Self.next(eth, 1), symbol: "ETH/USD")
        await LiveRunTests.read(output, until: "bar 321/321", into: &text)
        // The decision's first order is placed and its answer held back: kill the process while it waits.
        try await Self.wait { await !broker.orders.isEmpty }
        kill(process.processIdentifier, SIGKILL)
        await process.exited()
        #expect(await broker.orders.count == 1, "the decision on the first live bar placed an order, whose answer was held back\n\(text)")
        // While the process is down the market trades the order (two executions) and a bar closes that the stream cannot deliver.
        await broker.trade(Self.next(btc, 2), symbol: "BTC/USD")
        await broker.trade(Self.next(eth, 2), symbol: "ETH/USD")
        await broker.publishBar(Self.next(btc, 2), symbol: "BTC/USD")
        await broker.publishBar(Self.next(eth, 2), symbol: "ETH/USD")
        #expect(await broker.fills.count == 2)
        try await Self.wait { await broker.barSubscriberCount == 0 }

        let again = Pipe()
        let restarted = try LiveRunTests.launch(folder, arguments: arguments, output: again, environment: Self.environment(port: server.port))
        defer { if restarted.isRunning { kill(restarted.processIdentifier, SIGKILL) } }
        var second = ""
        await LiveRunTests.read(again, until: "Reconciled with the venue", into: &second)
        await LiveRunTests.read(again, until: "booked;", into: &second, within: 30)
        #expect(second.contains("order(s) in flight, 1 found"), "the order in flight at the kill is found by its client order id\n\(second)")
        #expect(second.contains("2 trade(s) booked"), "its two executions are booked from the broker's record\n\(second)")
        #expect(LiveVenueRunTests.bookedFills(try await CrashSafetyTests.books(folder)) == (await Self.brokerFills(broker)))
        // The bar missed while down is healed and traded; then a live bar's decision goes to the broker and fills.
        await LiveRunTests.read(again, until: "bar 322/322", into: &second)
        try await Self.wait { await broker.isStreaming }
        await broker.publishBar(Self.next(btc, 3, move: 0.03), symbol: "BTC/USD")
        await broker.publishBar(Self.next(eth, 3, move: -0.03), symbol: "ETH/USD")
        await LiveRunTests.read(again, until: "bar 323/323", into: &second)
        // The decision's orders reach the broker, then the market trades them.
        let decided = try #require(second.split(separator: "\n").first { $0.contains("bar 323/323") })
        let sent = try #require(decided.firstMatch(of: /in flight (\d+)/).flatMap { Int($0.output.1) }, "\(decided)")
        #expect(sent > 0, "the live bar's decision sent orders: \(decided)")
        try await Self.wait { await broker.orders.count == 1 + sent }
        await broker.trade(Self.next(btc, 4), symbol: "BTC/USD")
        await broker.trade(Self.next(eth, 4), symbol: "ETH/USD")
        let venues = try await Self.venues(second)
        let feed = try #require(venues["feed"] as? [String: Any], "\(venues)")
        #expect(venues["venue"] as? String == "alpaca" && feed["name"] as? String == "alpaca" && feed["connected"] as? Bool == true, "\(venues)")
        #expect((venues["account_stream"] as? [String: Any])?["subscribed"] as? Bool == true, "\(venues)")
        // Every execution reaches the books (by the stream, or the poll that backs it up).
        var books = try await CrashSafetyTests.books(folder)
        let settled = Date().addingTimeInterval(30)
        while LiveVenueRunTests.bookedFills(books).count < (await broker.fills.count) && Date() < settled {
            try await Task.sleep(for: .milliseconds(100))
            books = try await CrashSafetyTests.books(folder)
        }
        restarted.terminate()
        await restarted.exited()
        #expect(restarted.terminationStatus == 0)
        books = try await CrashSafetyTests.books(folder)
        if ProcessInfo.processInfo.environment["LIVE_VENUE_TEST_PRINT"] != nil { print(text, "\n----\n", second, "\n----\n", await Self.brokerFills(broker), books) }
        let brokerFills = await Self.brokerFills(broker)
        #expect(brokerFills.count >= 4, "the order reconciled at the restart and the next decision's orders were executed")
        #expect(LiveVenueRunTests.bookedFills(books) == brokerFills, "every execution at the broker is booked once, to the last digit")
        let submissions = await broker.submissions
        #expect(!submissions.isEmpty && submissions.values.allSatisfy { $0 == 1 }, "no order was sent twice: \(submissions)")
        let cash = books.entries.filter { $0.split(separator: " ")[1] == "cash" }.reduce(FixedDecimal.zero) { $0 + FixedDecimal(String($1.split(separator: " ")[2]))! }
        let brokerCash = await broker.cash
        #expect(cash == brokerCash, "ledger cash \(cash) against the broker's \(brokerCash)")
        #expect(books.nextIndex == 323 && Set(books.marks).count == books.marks.count, "every bar traded once")
        for console in [text, second] {
            #expect(!console.contains(Self.secret) && !console.contains(Self.keyID))
        }
    }

    @Test("5-minute bars on Alpaca: backfilled and streamed as minutes, built into 5-minute bars, each traded once")
    func fiveMinuteBars() async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let bucket = now - now % 300_000
        // Minutes up to the end of the bucket before last; the last bucket's minutes come by the stream.
        var generator = SeededGenerator(seed: 11)
        var price = 30_000.0
        func minute(_ openTime: Int64) -> Bar {
            let open = price
            price *= 1 + Double.random(in: -0.001...0.001, using: &generator)
            let text = { (value: Double) in Price(String(format: "%.2f", value))! }
            return try! Bar(openTime: Timestamp(millisecondsSinceEpoch: openTime), open: text(open), high: text(max(open, price) * 1.0002),
                            low: text(min(open, price) * 0.9998), close: text(price), volume: Quantity(FixedDecimal(2)))
        }
        let historyEnd = bucket - 300_000
        let history = stride(from: historyEnd - 1_700 * 60_000, to: historyEnd, by: 60_000).map(minute)
        let live = stride(from: historyEnd, to: bucket, by: 60_000).map(minute)
        let (broker, server) = try await Self.startBroker([.init(symbol: "BTC/USD")])
        defer { server.stop() }
        await broker.setBars(history, symbol: "BTC/USD")
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let output = Pipe()
        let process = try LiveRunTests.launch(folder, arguments: ["--feed", "alpaca", "--symbols", "BTC-USD", "--timeframe", "5m", "--rebalance-every", "1"],
                                              output: output, environment: Self.environment(port: server.port))
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        var text = ""
        await LiveRunTests.read(output, until: "bar 329/329", into: &text)
        #expect(text.contains("Backfilled 329 5m bars of BTC-USD") && text.contains("live alpaca 5m bars"), "\(text)")
        try await Self.wait { await broker.barSubscriberCount > 0 }
        for bar in live { await broker.publishBar(bar, symbol: "BTC/USD") }
        await LiveRunTests.read(output, until: "bar 330/330", into: &text)
        process.terminate()
        await process.exited()
        #expect(process.terminationStatus == 0)
        let store = SQLStore(database: try SQLiteDatabase(path: folder.file("orchestrator.sqlite")), clock: FixedClock())
        let stored = try await store.allBars(symbol: Symbol("BTC-USD")!, timeframe: .fiveMinutes)
        try await store.close()
        // The streamed bar is the five minutes of its bucket, stamped at its start.
        let expected = try Bar(openTime: Timestamp(millisecondsSinceEpoch: historyEnd), open: live[0].open, high: live.map(\.high).max()!,
                               low: live.map(\.low).min()!, close: live[4].close, volume: Quantity(FixedDecimal(10)))
        #expect(stored.count == 330 && stored.last == expected, "\(String(describing: stored.last))")
        #expect(try await CrashSafetyTests.books(folder).nextIndex == 330)
    }

    @Test("stocks on Alpaca: only the session's minutes are bars, and the session's last bar waits for the next open; no order meets a closed market")
    func stockBarsFollowTheSessions() async throws {
        var now = Int64(Date().timeIntervalSince1970 * 1_000)
        // Not in the first minutes of a New York day (the session below opens at its midnight).
        if let local = Int(AlpacaStubBroker.newYorkText(now).dropFirst(11).prefix(2)), local == 0,
           let minute = Int(AlpacaStubBroker.newYorkText(now).dropFirst(14).prefix(2)), minute < 3 {
            try await Task.sleep(for: .seconds(180))
            now = Int64(Date().timeIntervalSince1970 * 1_000)
        }
        let close = now - now % 60_000
        let (aapl, msft) = LiveRunTests.history(now: now, minutesAgo: 2)
        let (broker, server) = try await Self.startBroker([.init(symbol: "AAPL"), .init(symbol: "MSFT", fractionable: false)])
        defer { server.stop() }
        await broker.setBars(aapl, symbol: "AAPL")
        await broker.setBars(msft, symbol: "MSFT")
        // The session closes at this minute: the history is in it, the next minute is its last, and
        // the one after is after the close. (A day before, if the history began then, trades all day.)
        let today = AlpacaStubBroker.newYorkText(close), yesterday = AlpacaStubBroker.newYorkText(aapl[0].openTime.millisecondsSinceEpoch)
        var sessions = [(date: String(today.prefix(10)), open: "00:00", close: String(today.dropFirst(11).prefix(5)))]
        if yesterday.prefix(10) != today.prefix(10) { sessions.insert((String(yesterday.prefix(10)), "00:00", "23:59"), at: 0) }
        let tomorrow = Timestamp(millisecondsSinceEpoch: close + 86_400_000).iso8601.prefix(10)
        await broker.setSessions(sessions + [(String(tomorrow), "09:30", "16:00")])
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let output = Pipe()
        let process = try LiveRunTests.launch(folder, arguments: ["--feed", "alpaca", "--venue", "alpaca", "--symbols", "AAPL,MSFT", "--timeframe", "1m",
                                                                  "--rebalance-every", "1"],
                                              output: output, environment: Self.environment(port: server.port))
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        var text = ""
        await LiveRunTests.read(output, until: "the books agree", into: &text)
        let caughtUp = try #require(text.firstMatch(of: #/Backfilled (\d+) 1m bars of AAPL/#).flatMap { Int($0.output.1) }, "\(text)")
        await LiveRunTests.read(output, until: "bar \(caughtUp)/\(caughtUp) ", into: &text)
        #expect(caughtUp > 300 && text.contains("bar \(caughtUp)/\(caughtUp) "), "\(text)")
        try await Self.wait { await broker.barSubscriberCount > 0 }
        // The session's last minute, then one after the close.
        await broker.publishBar(Self.next(aapl, 1, move: 0.02), symbol: "AAPL")
        await broker.publishBar(Self.next(msft, 1, move: -0.02), symbol: "MSFT")
        await broker.publishBar(Self.next(aapl, 2), symbol: "AAPL")
        await broker.publishBar(Self.next(msft, 2), symbol: "MSFT")
        // Both minutes reached the process; give it time to (wrongly) step on them, then stop it and read all it said.
        try await Task.sleep(for: .seconds(3))
        process.terminate()
        await process.exited()
        await LiveRunTests.read(output, into: &text, within: 30) { _ in false }
        #expect(text.contains("Stopped after bar \(caughtUp)"), "\(text)")
        #expect(!text.contains("bar \(caughtUp + 1)/"), "the session's last bar waits for the next open; the minute after the close is no bar\n\(text)")
        #expect(await broker.submissions.isEmpty, "no order was sent")
        #expect(try await CrashSafetyTests.books(folder).nextIndex == caughtUp)
    }

    @Test("venue check --venue alpaca: the broker's clock and hours, the account and its pattern-day-trader flag, rules and bars; the key never printed")
    func venueCheck() async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let (aapl, _) = LiveRunTests.history(now: now, minutesAgo: 2)
        let (broker, server) = try await Self.startBroker([.init(symbol: "AAPL", fractionable: false)])
        defer { server.stop() }
        await broker.setBars(aapl, symbol: "AAPL")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try await CommandLineTests.run(["venue", "check", "--venue", "alpaca", "--symbols", "AAPL", "--format", "json", "--data-dir", directory.path],
                                                    environment: Self.environment(port: server.port))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output) \(result.error)")
        let checks = Dictionary(uniqueKeysWithValues: (json["checks"] as? [[String: Any]] ?? []).map { ($0["name"] as! String, $0["ok"] as! Bool) })
        #expect(result.status == 0 && json["ok"] as? Bool == true, "\(result.output)")
        #expect(["trading.reachable", "trading.clock_offset", "market.hours", "account.status", "account.pattern_day_trader", "symbol.AAPL",
                 "market_data.bars"].allSatisfy { checks[$0] == true }, "\(checks)")
        #expect(json["pattern_day_trader"] as? Bool == false && json["market_open"] as? Bool == false && json["live"] as? Bool == false)
        #expect((json["symbols"] as? [[String: Any]])?.first?["step_size"] as? String == "1", "whole shares of a stock that is not fractionable")
        for text in [result.output, result.error] {
            #expect(!text.contains(Self.secret) && !text.contains(Self.keyID))
        }
        // Without a key, and with the live endpoint without `live`: clear errors, nothing sent.
        let requests = await broker.requestCount
        let keyless = try await CommandLineTests.run(["venue", "check", "--venue", "alpaca", "--format", "json", "--data-dir", directory.path],
                                                     environment: Self.environment(port: server.port, key: false))
        #expect(keyless.status == 1 && keyless.output.contains("APCA_API_KEY_ID"), "\(keyless.output)")
        let live = try await CommandLineTests.run(["venue", "check", "--venue", "alpaca", "--data-dir", directory.path],
                                                  environment: ["ORCHESTRATOR_VENUES_ALPACA_TRADING_URL": "https://api.alpaca.markets"])
        #expect(live.status == 1 && live.error.contains("venues.alpaca.live"), "\(live.error)")
        let paperFeed = try await CommandLineTests.run(["run", "--feed", "alpaca", "--venue", "alpaca", "--data-dir", directory.path, "--port", "0"],
                                                       environment: Self.environment(port: server.port, key: false))
        #expect(paperFeed.status == 1 && paperFeed.error.contains("--venue alpaca needs a key") && paperFeed.error.contains("APCA_API_SECRET_KEY"),
                "\(paperFeed.error)")
        let mixed = try await CommandLineTests.run(["run", "--venue", "alpaca", "--feed", "binance", "--data-dir", directory.path, "--port", "0"])
        #expect(mixed.status == 64 && mixed.error.contains("add --feed alpaca"), "\(mixed.error)")
        #expect(await broker.requestCount == requests, "refused before any request")
    }
}
