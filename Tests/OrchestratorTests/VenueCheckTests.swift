import BinanceStub
import Foundation
import TestSupport
import Testing
import TradingCore

@Suite("orchestrator venue check", .serialized)
struct VenueCheckTests {
    static let apiKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
    static let secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

    static func environment(port: Int, key: Bool) -> [String: String] {
        var environment = ["ORCHESTRATOR_VENUES_BINANCE_REST_URL": "http://127.0.0.1:\(port)", "ORCHESTRATOR_VENUES_BINANCE_WS_STREAM_URL": "ws://127.0.0.1:\(port)"]
        if key {
            environment["BINANCE_API_KEY"] = apiKey
            environment["BINANCE_API_SECRET"] = secret
        }
        return environment
    }

    @Test("venue benchmark decodes each venue's documented stream message into a bar", arguments: [("binance", 1_672_515_780_000), ("alpaca", 1_721_807_760_000)])
    func benchmark(venue: String, openTime: Int64) async throws {
        let result = try await CommandLineTests.run(["venue", "benchmark", "--venue", venue, "--frames", "3", "--repetitions", "1", "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.error)")
        // The checksum adds the decoded bar's open time once per frame: the bar really was decoded.
        #expect(result.status == 0 && json["venue"] as? String == venue && (json["checksum"] as? Int).map(Int64.init) == 3 * openTime)
    }

    @Test("a working configuration: endpoint, clock offset, key permissions and balances, symbol rules, rate limits; the key and secret never printed")
    func working() async throws {
        let exchange = BinanceStubExchange(listings: [.init(symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT")],
                                           balances: ["USDT": FixedDecimal(1_000), "BTC": FixedDecimal("0.5")!], hmacSecrets: [Self.apiKey: Self.secret])
        let server = BinanceStubServer(exchange: exchange)
        try await server.start()
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try await CommandLineTests.run(["venue", "check", "--venue", "binance", "--symbols", "BTCUSDT", "--format", "json", "--data-dir", directory.path],
                                                    environment: Self.environment(port: server.port, key: true))
        #expect(result.status == 0, "\(result.output) \(result.error)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(json["ok"] as? Bool == true && json["key_kind"] as? String == "HMAC-SHA256")
        let checks = (json["checks"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(checks.contains("market_data.clock_offset") && checks.contains("key.can_trade") && checks.contains("key.withdrawals_disabled"))
        let symbols = try #require(json["symbols"] as? [[String: Any]])
        #expect(symbols.first?["tick_size"] as? String == "0.01" && symbols.first?["min_notional"] as? String == "5")
        #expect((json["balances"] as? [[String: Any]])?.count == 2)
        #expect((json["rate_limits"] as? [[String: Any]])?.first?["limit"] as? Int == 6_000)
        for text in [result.output, result.error] {
            #expect(!text.contains(Self.secret) && !text.contains(Self.apiKey))
        }
    }

    @Test("failures are named: an unknown symbol, a key the exchange refuses; real-money URLs without live are refused before any call")
    func failures() async throws {
        let exchange = BinanceStubExchange(listings: [.init(symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT")], balances: [:], hmacSecrets: [:])
        let server = BinanceStubServer(exchange: exchange)
        try await server.start()
        defer { server.stop() }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try await CommandLineTests.run(["venue", "check", "--symbols", "NOPEUSDT", "--format", "json", "--data-dir", directory.path],
                                                    environment: Self.environment(port: server.port, key: true))
        #expect(result.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let failed = (json["checks"] as? [[String: Any]] ?? []).filter { $0["ok"] as? Bool == false }.map { "\($0["name"]!): \($0["detail"]!)" }
        #expect(failed.contains { $0.hasPrefix("symbols:") && $0.contains("NOPEUSDT") }, "\(failed)")
        #expect(failed.contains { $0.hasPrefix("key.account:") && $0.contains("-2015") }, "\(failed)")
        #expect(!result.output.contains(Self.secret) && !result.error.contains(Self.secret))
        let live = try await CommandLineTests.run(["venue", "check", "--data-dir", directory.path],
                                                  environment: ["ORCHESTRATOR_VENUES_BINANCE_TRADING_REST_URL": "https://api.binance.com"])
        #expect(live.status == 1 && live.error.contains("venues.binance.live"), "\(live.error)")
        let orders = try await CommandLineTests.run(["run", "--feed", "binance", "--venue", "binance", "--data-dir", directory.path, "--port", "0"],
                                                    environment: Self.environment(port: server.port, key: false))
        #expect(orders.status == 1 && orders.error.contains("--venue binance needs a key"), "\(orders.error)")
        let replay = try await CommandLineTests.run(["run", "--venue", "binance", "--data-dir", directory.path, "--port", "0"],
                                                    environment: Self.environment(port: server.port, key: true))
        // A usage error, refused by the parser before anything starts.
        #expect(replay.status == 64 && replay.error.contains("add --feed binance"), "\(replay.error)")
    }
}
