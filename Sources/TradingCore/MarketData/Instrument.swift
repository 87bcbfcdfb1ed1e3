/// A tradable or observable instrument.
public struct Instrument: Sendable, Hashable, Codable {
    /// The unique ticker.
    public let symbol: Symbol
    /// The broad kind of instrument.
    public let assetClass: AssetClass
    /// The currency prices are quoted in, such as `USD` or `BTC`, when known.
    public let quoteCurrency: String?

    /// Creates an instrument description.
    public init(symbol: Symbol, assetClass: AssetClass, quoteCurrency: String?) {
        self.symbol = symbol
        self.assetClass = assetClass
        self.quoteCurrency = quoteCurrency
    }
}
