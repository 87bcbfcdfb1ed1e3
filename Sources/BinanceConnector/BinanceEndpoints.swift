import Foundation
import VenueTransport

/// Where the connector talks to: REST, the market-data streams and the WebSocket API. The same
/// code talks to the local stub, the testnet and the real exchange; only these URLs differ.
///
/// The defaults read the public market data of the real exchange (no key needed) and trade on
/// the **testnet**: real-money trading needs `live: true` and the real URLs together.
public struct BinanceEndpoints: Sendable, Hashable {
    /// The REST base, such as `https://api.binance.com` (no trailing slash).
    public var restURL: String
    /// The market-data stream base, such as `wss://stream.binance.com:9443` (`/stream?streams=` is added).
    public var streamURL: String
    /// The WebSocket API, such as `wss://ws-api.binance.com:443/ws-api/v3`.
    public var webSocketAPIURL: String
    /// REST base for signed (trading) requests; the testnet unless `live`.
    public var tradingRESTURL: String
    /// Whether orders may go to the real exchange.
    public var live: Bool

    /// The real exchange's public market data.
    public static let productionREST = "https://api.binance.com"
    /// The real exchange's streams.
    public static let productionStream = "wss://stream.binance.com:9443"
    /// The real exchange's WebSocket API.
    public static let productionWebSocketAPI = "wss://ws-api.binance.com:443/ws-api/v3"
    /// The spot testnet's REST.
    public static let testnetREST = "https://testnet.binance.vision"
    /// The spot testnet's streams.
    public static let testnetStream = "wss://stream.testnet.binance.vision"
    /// The spot testnet's WebSocket API.
    public static let testnetWebSocketAPI = "wss://ws-api.testnet.binance.vision/ws-api/v3"

    /// Creates endpoints; unspecified ones take the defaults (public data live, trading on the testnet).
    public init(restURL: String? = nil, streamURL: String? = nil, webSocketAPIURL: String? = nil, tradingRESTURL: String? = nil, live: Bool = false) {
        self.restURL = Self.trimmed(restURL ?? Self.productionREST)
        self.streamURL = Self.trimmed(streamURL ?? Self.productionStream)
        self.webSocketAPIURL = Self.trimmed(webSocketAPIURL ?? (live ? Self.productionWebSocketAPI : Self.testnetWebSocketAPI))
        self.tradingRESTURL = Self.trimmed(tradingRESTURL ?? restURL ?? (live ? Self.productionREST : Self.testnetREST))
        self.live = live
    }

    /// Every endpoint served by the one local address (tests and the stub).
    public static func local(host: String = "127.0.0.1", port: Int) -> BinanceEndpoints {
        BinanceEndpoints(restURL: "http://\(host):\(port)", streamURL: "ws://\(host):\(port)", webSocketAPIURL: "ws://\(host):\(port)/ws-api/v3",
                         tradingRESTURL: "http://\(host):\(port)")
    }

    /// Why these endpoints must not be used: trading endpoints of the real exchange (any host
    /// under binance.com, whatever the form of the URL) without `live`.
    public var problem: String? {
        if !live && (Self.isRealExchange(tradingRESTURL) || Self.isRealExchange(webSocketAPIURL)) {
            return "trading endpoints point at the real exchange but venues.binance.live is not true; set it to trade real money, or use the testnet"
        }
        return nil
    }

    /// `host:port` of every endpoint (the default port of its scheme when none is written), for the
    /// supervisor's network checks.
    public var hostPorts: [String] {
        EndpointHosts.of([restURL, streamURL, webSocketAPIURL, tradingRESTURL])
    }

    /// Whether a URL's host is the real exchange's (binance.com or one of its subdomains).
    public static func isRealExchange(_ url: String) -> Bool {
        guard let host = URL(string: url)?.host?.lowercased() else { return false }
        return host == "binance.com" || host.hasSuffix(".binance.com")
    }

    private static func trimmed(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}
