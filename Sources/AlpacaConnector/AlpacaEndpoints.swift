import Foundation
import VenueTransport

/// Where the connector talks to: market data (REST and stream) and trading (REST and the
/// `trade_updates` stream). Paper trading by default; the live trading URL only when allowed.
public struct AlpacaEndpoints: Sendable, Hashable {
    /// Market-data REST (`/v2/stocks/bars`, `/v1beta3/crypto/us/bars`).
    public var dataURL: String
    /// The market-data stream's base (`…/v2/iex`, `…/v1beta3/crypto/us` are appended).
    public var streamURL: String
    /// Trading REST (`/v2/orders`, `/v2/account`…).
    public var tradingURL: String
    /// The trading stream (`trade_updates`).
    public var tradingStreamURL: String

    /// The paper account's endpoints with real market data.
    public static let paper = AlpacaEndpoints(dataURL: "https://data.alpaca.markets", streamURL: "wss://stream.data.alpaca.markets",
                                              tradingURL: "https://paper-api.alpaca.markets", tradingStreamURL: "wss://paper-api.alpaca.markets/stream")
    /// The live trading endpoint (real money).
    public static let liveTradingURL = "https://api.alpaca.markets"
    /// The live account's `trade_updates` stream.
    public static let liveTradingStreamURL = "wss://api.alpaca.markets/stream"

    /// Endpoints of a stub on 127.0.0.1.
    public static func local(port: Int) -> AlpacaEndpoints {
        AlpacaEndpoints(dataURL: "http://127.0.0.1:\(port)", streamURL: "ws://127.0.0.1:\(port)", tradingURL: "http://127.0.0.1:\(port)",
                        tradingStreamURL: "ws://127.0.0.1:\(port)/stream")
    }

    /// Creates endpoints.
    public init(dataURL: String, streamURL: String, tradingURL: String, tradingStreamURL: String) {
        self.dataURL = dataURL
        self.streamURL = streamURL
        self.tradingURL = tradingURL
        self.tradingStreamURL = tradingStreamURL
    }

    /// Whether trading goes to the real-money endpoint (`api.alpaca.markets`, whatever the form of the URL).
    public var tradesLive: Bool { [tradingURL, tradingStreamURL].contains { URLComponents(string: $0)?.host?.lowercased() == "api.alpaca.markets" } }

    /// `host:port` of every endpoint, for the supervisor's network checks.
    public var hostPorts: [String] { EndpointHosts.of([dataURL, streamURL, tradingURL, tradingStreamURL]) }
}
