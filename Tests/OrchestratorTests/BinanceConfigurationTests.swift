@testable import Orchestrator
import Testing

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
}
