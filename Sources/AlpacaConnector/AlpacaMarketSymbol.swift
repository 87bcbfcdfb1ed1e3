import TradingCore

/// How an instrument is named at Alpaca: a stock as itself (`AAPL`), a crypto pair with a slash
/// (`BTC/USD`; the engine may call it `BTC-USD`). Crypto has its own bars endpoint and trades
/// around the clock.
public struct AlpacaMarketSymbol: Sendable, Hashable {
    /// The engine's name.
    public let symbol: Symbol
    /// Alpaca's name.
    public let alpacaName: String
    /// Whether it is a crypto pair.
    public let isCrypto: Bool

    /// The Alpaca name of `symbol`: `BASE-QUOTE` or `BASE/QUOTE` is a crypto pair, anything else a stock.
    public init(_ symbol: Symbol) {
        self.symbol = symbol
        let text = symbol.rawValue
        if let separator = text.firstIndex(where: { $0 == "-" || $0 == "/" }), separator != text.startIndex, text.index(after: separator) != text.endIndex {
            isCrypto = true
            alpacaName = text[..<separator] + "/" + text[text.index(after: separator)...]
        } else {
            isCrypto = false
            alpacaName = text
        }
    }

    /// Alpaca's bar length for a timeframe (`1Min`, `15Min`, `1Hour`, `1Day`, `1Week`).
    public static func barLength(_ timeframe: Timeframe) -> String {
        switch timeframe {
        case .oneMinute: "1Min"
        case .threeMinutes: "3Min"
        case .fiveMinutes: "5Min"
        case .fifteenMinutes: "15Min"
        case .thirtyMinutes: "30Min"
        case .oneHour: "1Hour"
        case .twoHours: "2Hour"
        case .fourHours: "4Hour"
        case .sixHours: "6Hour"
        case .twelveHours: "12Hour"
        case .oneDay: "1Day"
        case .oneWeek: "1Week"
        }
    }
}
