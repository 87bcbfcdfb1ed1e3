@testable import Orchestrator
import Logging
import Testing
import TradingCore

@Suite("Binance configuration")
struct BinanceConfigurationTests {
    static func endpoints(_ overrides: [String: String]) async throws -> (trading: String, market: String, problem: String?) {
        let configuration = try await ConfigurationLoader.load(overrides: overrides, environment: [:], configFile: nil)
        let endpoints = BinanceWiring.endpoints(configuration.binance)
        return (endpoints.tradingRESTURL, endpoints.restURL, endpoints.problem)
    }

    @Test("by default: public market data of the real exchange, trading on the testnet, nothing refused")
    func defaults() async throws {
        let endpoints = try await Self.endpoints([:])
        #expect(endpoints.market == "https://api.binance.com" && endpoints.trading == "https://testnet.binance.vision" && endpoints.problem == nil)
    }

    @Test("trading on any host of the real exchange needs live: true", arguments: [
        ["venues.binance.trading_rest_url": "https://api.binance.com"],
        ["venues.binance.trading_rest_url": "https://API-GCP.binance.com:443/"],
        ["venues.binance.rest_url": "https://api3.binance.com"],
        ["venues.binance.ws_api_url": "wss://ws-api.binance.com:9443/ws-api/v3"],
    ])
    func realMoneyNeedsLive(overrides: [String: String]) async throws {
        #expect(try await Self.endpoints(overrides).problem?.contains("venues.binance.live") == true)
        var live = overrides
        live["venues.binance.live"] = "true"
        #expect(try await Self.endpoints(live).problem == nil)
    }

    @Test("the supervisor is given every endpoint as host:port, default ports filled in, each once")
    func supervisorEndpoints() async throws {
        let configuration = try await ConfigurationLoader.load(overrides: [:], environment: [:], configFile: nil)
        #expect(BinanceWiring.endpoints(configuration.binance).hostPorts
            == ["api.binance.com:443", "stream.binance.com:9443", "ws-api.testnet.binance.vision:443", "testnet.binance.vision:443"])
    }

    @Test("a URL of the wrong scheme is a configuration error naming the key")
    func badURL() async throws {
        await #expect {
            _ = try await ConfigurationLoader.load(overrides: ["venues.binance.ws_stream_url": "https://stream.binance.com"], environment: [:], configFile: nil)
        } throws: { String(describing: $0).contains("venues.binance.ws_stream_url") }
    }

    @Test("the receive window reaches both REST clients and is refused outside Binance's 1 to 60000 ms", arguments: [
        ("60000", "60000"), ("1", "1"), ("0", nil), ("60001", nil), ("five", nil),
    ] as [(String, String?)])
    func receiveWindow(text: String, accepted: String?) async throws {
        let overrides = ["venues.binance.receive_window_ms": text]
        guard let accepted else {
            await #expect {
                _ = try await ConfigurationLoader.load(overrides: overrides, environment: [:], configFile: nil)
            } throws: { String(describing: $0).contains("venues.binance.receive_window_ms") }
            return
        }
        let configuration = try await ConfigurationLoader.load(overrides: overrides, environment: [:], configFile: nil)
        let wiring = try BinanceWiring(settings: configuration.binance, environment: [:], clock: { Timestamp(millisecondsSinceEpoch: 0) }, logger: Logger(label: "test"))
        let market = await wiring.marketREST.receiveWindowMilliseconds, trading = await wiring.tradingREST.receiveWindowMilliseconds
        #expect(market == Int64(accepted) && trading == Int64(accepted))
    }

    @Test("the receive window is Binance's default of 5 s unless set")
    func receiveWindowDefault() async throws {
        let configuration = try await ConfigurationLoader.load(overrides: [:], environment: [:], configFile: nil)
        #expect(configuration.binance.receiveWindowMilliseconds == 5_000)
    }
}
