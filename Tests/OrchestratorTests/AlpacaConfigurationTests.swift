@testable import Orchestrator
import Logging
import Testing
import TradingCore

@Suite("Alpaca configuration")
struct AlpacaConfigurationTests {
    static func wiring(_ overrides: [String: String]) async throws -> AlpacaWiring {
        let configuration = try await ConfigurationLoader.load(overrides: overrides, environment: [:], configFile: nil)
        return try AlpacaWiring(settings: configuration.alpaca, environment: [:], clock: { SystemClock().now() }, logger: Logger(label: "test"))
    }

    @Test("by default: real market data (IEX) and the paper account; every endpoint for the supervisor")
    func defaults() async throws {
        let wiring = try await Self.wiring([:])
        #expect(wiring.endpoints.tradingURL == "https://paper-api.alpaca.markets" && wiring.endpoints.tradingStreamURL == "wss://paper-api.alpaca.markets/stream")
        #expect(wiring.stockFeed == .iex && !wiring.tradesRealMoney && !wiring.hasCredentials)
        #expect(wiring.hostPorts == ["data.alpaca.markets:443", "stream.data.alpaca.markets:443", "paper-api.alpaca.markets:443"])
    }

    @Test("the live (real-money) endpoint needs live: true; with it, live is the default", arguments: [
        ["venues.alpaca.trading_url": "https://api.alpaca.markets"],
        ["venues.alpaca.trading_url": "https://API.alpaca.markets:443/"],
        ["venues.alpaca.trading_stream_url": "wss://api.alpaca.markets/stream"],
    ])
    func realMoneyNeedsLive(overrides: [String: String]) async throws {
        await #expect { _ = try await Self.wiring(overrides) } throws: { String(describing: $0).contains("venues.alpaca.live") }
        var live = overrides
        live["venues.alpaca.live"] = "true"
        #expect(try await Self.wiring(live).tradesRealMoney)
        #expect(try await Self.wiring(["venues.alpaca.live": "true"]).endpoints.tradingURL == "https://api.alpaca.markets")
    }

    @Test("a bad value is a configuration error naming the key", arguments: [
        ("venues.alpaca.feed", "otc"), ("venues.alpaca.stream_url", "https://stream.data.alpaca.markets"), ("venues.alpaca.trading_url", "paper-api"),
    ])
    func badValue(key: String, value: String) async throws {
        await #expect {
            _ = try await ConfigurationLoader.load(overrides: [key: value], environment: [:], configFile: nil)
        } throws: { String(describing: $0).contains(key) }
    }

    @Test("half a key is refused naming the missing variable; the key is never in the wiring's description")
    func halfAKey() async throws {
        let configuration = try await ConfigurationLoader.load(overrides: [:], environment: [:], configFile: nil)
        #expect {
            _ = try AlpacaWiring(settings: configuration.alpaca, environment: ["APCA_API_KEY_ID": "PKID"], clock: { SystemClock().now() }, logger: Logger(label: "test"))
        } throws: { String(describing: $0).contains("APCA_API_SECRET_KEY") }
        let wiring = try AlpacaWiring(settings: configuration.alpaca, environment: ["APCA_API_KEY_ID": "PKID123", "APCA_API_SECRET_KEY": "very-secret-value"],
                                      clock: { SystemClock().now() }, logger: Logger(label: "test"))
        #expect(!String(describing: wiring).contains("very-secret-value") && !String(reflecting: wiring).contains("very-secret-value"))
    }
}

@Suite("Alpaca backfill span")
struct AlpacaBackfillSpanTests {
    @Test("stocks go back enough calendar days for the bars' sessions; crypto by bar lengths", arguments: [
        ("AAPL", Timeframe.oneMinute, 500, 8), ("AAPL", .fifteenMinutes, 500, 35), ("AAPL", .oneDay, 500, 755), ("BTC-USD", .oneMinute, 500, -1),
    ])
    func span(symbol: String, timeframe: Timeframe, bars: Int, days: Int64) async throws {
        let configuration = try await ConfigurationLoader.load(overrides: [:], environment: [:], configFile: nil)
        let wiring = try AlpacaWiring(settings: configuration.alpaca, environment: [:], clock: { SystemClock().now() }, logger: Logger(label: "test"))
        let now = Timestamp(iso8601: "2024-07-10T15:00:00Z")!
        let start = wiring.backfillStart(symbols: [Symbol(symbol)!], timeframe: timeframe, bars: bars, now: now)
        #expect(start.map { (now.millisecondsSinceEpoch / 86_400_000) - $0.millisecondsSinceEpoch / 86_400_000 } ?? -1 == days)
    }
}
