import BinanceStub
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing
import TradingCore

/// `orchestrator run --feed binance --venue binance` against the stub exchange: live bars decide,
/// orders reach the exchange once each, its trades are booked from the reports, and a `kill -9`
/// with an order in flight ends, after the restart's reconciliation, with books equal to the
/// exchange's own record to the last digit.
@Suite("Trading on the Binance stub from run", .serialized)
struct LiveVenueRunTests {
    /// The HMAC key of Binance's documentation examples, registered with the stub.
    static let apiKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
    static let secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

    static func start(_ folder: TemporaryDirectory, port: Int, output: Pipe) throws -> ChildProcess {
        try LiveRunTests.start(folder, port: port, output: output, options: ["--venue", "binance", "--rebalance-every", "1"],
                               extraEnvironment: ["ORCHESTRATOR_VENUES_BINANCE_TRADING_REST_URL": "http://127.0.0.1:\(port)",
                                                  "ORCHESTRATOR_VENUES_BINANCE_WS_API_URL": "ws://127.0.0.1:\(port)/ws-api/v3",
                                                  "BINANCE_API_KEY": apiKey, "BINANCE_API_SECRET": secret])
    }

    /// The exchange's trades as the books should hold them: `<client order id>-<trade id> side quantity @ price fee commission`.
    static func exchangeFills(_ exchange: BinanceStubExchange) async -> [String] {
        let orders = await exchange.orders, trades = await exchange.trades
        return trades.map { trade in
            let order = orders.first { $0.orderID == trade.orderID }!
            return "\(order.clientOrderID)-\(trade.id) \(trade.isBuyer ? "buy" : "sell") \(trade.quantity) @ \(trade.price) fee \(trade.commission)"
        }.sorted()
    }

    /// The store's fills in the same form (without their times).
    static func bookedFills(_ books: CrashSafetyTests.Books) -> [String] {
        books.fills.map { $0.split(separator: " ").dropLast().joined(separator: " ") }.sorted()
    }

    /// `GET /api/v1/venues` of the running process.
    func venueStatus(_ port: Substring) async throws -> [String: Any] {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/venues")!)
        request.setValue("Bearer \(CrashSafetyTests.adminKey)", forHTTPHeaderField: "Authorization")
        return try #require(try JSONSerialization.jsonObject(with: try await URLSession.shared.data(for: request).0) as? [String: Any])
    }

    func account(venues: [String: Any]) -> [String: Any]? { venues["account_stream"] as? [String: Any] }

    @Test("live bars trade on the exchange; kill -9 with an order in flight; the restart reconciles: each order sent once, the books equal the exchange's record")
    func ordersSurviveAKill() async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        // History up to two minutes ago, so the live bars the test trades closed just now and may decide.
        let (btc, eth) = LiveRunTests.history(now: now, minutesAgo: 2)
        let exchange = BinanceStubExchange(listings: [.init(symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT"),
                                                      .init(symbol: "ETHUSDT", baseAsset: "ETH", quoteAsset: "USDT")],
                                           balances: ["USDT": FixedDecimal(100_000)], hmacSecrets: [Self.apiKey: Self.secret])
        await exchange.setHistory(btc, symbol: "BTCUSDT", interval: "1m")
        await exchange.setHistory(eth, symbol: "ETHUSDT", interval: "1m")
        // Market orders fill in two trades each (partial fills); the first order's answer never comes back in time.
        await exchange.setTradesPerMarketFill(2)
        await exchange.inject(.timeoutAfterAccept(delay: .seconds(60)))
        // The account stream loses its events too, so nothing tells the process of the first order before the kill.
        await exchange.setWithholdAccountEvents(true)
        let server = BinanceStubServer(exchange: exchange)
        try await server.start()
        defer { server.stop() }
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        func next(_ bars: [Bar], _ index: Int, move: Double = 0) -> Bar {
            let last = bars.last!
            let close = Price(String(format: "%.2f", last.close.value.doubleValue * (1 + move)))!
            return try! Bar(openTime: last.openTime.adding(milliseconds: Int64(index) * 60_000), open: last.close, high: max(last.close, close),
                            low: min(last.close, close), close: close, volume: Quantity(FixedDecimal(1)))
        }
        func waitForStream() async throws {
            let deadline = Date().addingTimeInterval(60)
            while await exchange.openStreamConnections == 0 && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        }

        let output = Pipe()
        let process = try Self.start(folder, port: server.port, output: output)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        var text = ""
        await LiveRunTests.read(output, until: "bar 320/320", into: &text)
        #expect(text.contains("Trading on Binance") && text.contains("Reconciled with the venue") && text.contains("the books agree"),
                "\(text)\(LiveRunTests.stderrTail(folder))")
        #expect(await exchange.ordersPlaced == 0, "the bars caught up at start take no decision")
        try await waitForStream()
        await exchange.trade(next(btc, 1), symbol: "BTCUSDT", interval: "1m")
        await exchange.trade(next(eth, 1), symbol: "ETHUSDT", interval: "1m")
        await LiveRunTests.read(output, until: "bar 321/321", into: &text)
        // The decision's first order is placed and its answer held back: kill the process while it waits.
        let placed = Date().addingTimeInterval(60)
        while await exchange.ordersPlaced == 0 && Date() < placed { try await Task.sleep(for: .milliseconds(10)) }
        kill(process.processIdentifier, SIGKILL)
        await process.exited()
        #expect(await exchange.ordersPlaced == 1, "the decision on the first live bar placed an order, whose answer was held back\n\(text)")
        let closed = Date().addingTimeInterval(60)
        while await exchange.openStreamConnections > 0 && Date() < closed { try await Task.sleep(for: .milliseconds(20)) }

        let again = Pipe()
        let restarted = try Self.start(folder, port: server.port, output: again)
        defer { if restarted.isRunning { kill(restarted.processIdentifier, SIGKILL) } }
        var second = ""
        await LiveRunTests.read(again, until: "Reconciled with the venue", into: &second)
        await LiveRunTests.read(again, until: "booked;", into: &second, within: 30)
        #expect(second.contains("order(s) in flight, 1 found"), "the order in flight at the kill is found by its client order id\n\(second)")
        #expect(second.contains("2 trade(s) booked"), "its two trades are booked from the exchange's record\n\(second)")
        #expect(Self.bookedFills(try await CrashSafetyTests.books(folder)) == (await Self.exchangeFills(exchange)), "after reconciliation the books hold the exchange's trades")
        // Trading goes on: the next live bar's decision is sent and filled (its account events come twice: booked once).
        try await waitForStream()
        await LiveRunTests.read(again, until: "Account stream subscribed", into: &second, within: 30)
        await exchange.setWithholdAccountEvents(false)
        await exchange.setDuplicateAccountEvents(true)
        await exchange.trade(next(btc, 2, move: 0.03), symbol: "BTCUSDT", interval: "1m")
        await exchange.trade(next(eth, 2, move: -0.03), symbol: "ETHUSDT", interval: "1m")
        await LiveRunTests.read(again, until: "bar 322/322", into: &second)
        // The API shows the orders and the last reconciliation; /metrics has them too.
        let line = try #require(second.split(separator: "\n").first { $0.hasPrefix("API:") })
        let apiPort = try #require(line.firstMatch(of: /127\.0\.0\.1:(\d+)/)?.output.1)
        let venues = try await venueStatus(apiPort)
        #expect(account(venues: venues)?["subscribed"] as? Bool == true, "\(venues)")
        let orders = try #require(venues["orders"] as? [String: Any], "\(venues)")
        let reconciliation = try #require(orders["last_reconciliation"] as? [String: Any], "\(orders)")
        #expect(venues["venue"] as? String == "binance" && reconciliation["orders_found"] as? Int == 1 && reconciliation["clean"] as? Bool == true, "\(venues)")
        // The live bar that ordered is timed from the feed too: never less than from its arrival at the loop.
        let latency = try #require(orders["decision_latency_ms"] as? [String: Any], "\(orders)")
        let fromFeed = try #require(latency["from_feed_p99"] as? Double), sending = try #require(latency["sending_p99"] as? Double)
        #expect((latency["samples"] as? Int ?? 0) >= 1 && fromFeed >= sending && sending > 0, "\(latency)")
        // The metrics are taken from the status each second.
        var exposition = ""
        let metricsDeadline = Date().addingTimeInterval(30)
        while !exposition.contains("orchestrator_venue_reconciliation_problems 0") && Date() < metricsDeadline {
            exposition = String(decoding: try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(apiPort)/metrics")!).0, as: UTF8.self)
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(exposition.contains("orchestrator_venue_orders_in_flight") && exposition.contains("orchestrator_venue_reconciliation_problems 0"), "\(exposition)")
        let settled = Date().addingTimeInterval(30)
        var books = try await CrashSafetyTests.books(folder)
        while Self.bookedFills(books).count < (await exchange.trades.count) && Date() < settled {
            try await Task.sleep(for: .milliseconds(100))
            books = try await CrashSafetyTests.books(folder)
        }
        // The trades the reports booked in this process move the fills and filled-orders counters.
        exposition = String(decoding: try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(apiPort)/metrics")!).0, as: UTF8.self)
        let reportFills = try #require(exposition.firstMatch(of: /\norchestrator_trading_fills_total (\d+)/)?.output.1, "\(exposition)")
        #expect(Int(reportFills)! >= 1 && exposition.contains("orchestrator_trading_orders_total{status=\"filled\"}"), "\(exposition)")
        // A lost account connection: it subscribes again and the loop reconciles before it goes on.
        await exchange.dropAccountConnections()
        await LiveRunTests.read(again, until: "reconciling: the account stream subscribed again", into: &second, within: 60)
        await LiveRunTests.read(again, into: &second, within: 30) { $0.components(separatedBy: "Reconciled with the venue").count == 3 }
        #expect(second.components(separatedBy: "Reconciled with the venue").count == 3, "a reconciliation at the start and one after the resubscription\n\(second)")
        #expect(account(venues: try await venueStatus(apiPort))?["subscriptions"] as? Int == 2)
        restarted.terminate()
        await restarted.exited()
        if ProcessInfo.processInfo.environment["LIVE_VENUE_TEST_PRINT"] != nil { print(text, "\n----\n", second, "\n----\n", await Self.exchangeFills(exchange)) }
        #expect(restarted.terminationStatus == 0)
        books = try await CrashSafetyTests.books(folder)
        let exchangeFills = await Self.exchangeFills(exchange)
        #expect(exchangeFills.count >= 2)
        #expect(Self.bookedFills(books) == exchangeFills, "every trade of the exchange is booked once, to the last digit")
        let requests = await exchange.newOrderRequests
        #expect(requests.values.allSatisfy { $0 == 1 }, "no order was sent twice: \(requests)")
        // Cash and holdings in the ledger equal the exchange's balances to the last digit.
        let balances = await exchange.balances
        let cash = books.entries.filter { $0.split(separator: " ")[1] == "cash" }.reduce(FixedDecimal.zero) { $0 + FixedDecimal(String($1.split(separator: " ")[2]))! }
        #expect(cash == balances["USDT"], "ledger cash \(cash) against the exchange's USDT \(String(describing: balances["USDT"]))")
        #expect(!books.orders.contains { $0.contains(" accepted ") }, "no order is left in flight: \(books.orders)")
    }
}
