import TradingCore

/// What a market data feed says: a bar closed, the connection came or went, or a gap was healed
/// from the venue's history after a reconnect.
public enum FeedEvent: Sendable, Hashable {
    /// A closed bar (never one still forming).
    case barClosed(symbol: Symbol, timeframe: Timeframe, bar: Bar)
    case connected
    case disconnected(reason: String)
    /// Bars missed while disconnected were fetched and emitted as `barClosed` before this.
    case gapHealed(symbol: Symbol, from: Timestamp, bars: Int)
}

/// The port of market data: history for backfills and a stream of closed bars with connection
/// events. The replay of stored bars and each venue's feed implement it.
public protocol MarketDataFeed: Sendable {
    /// A short name for logs and metrics (`replay`, `binance`).
    var name: String { get }
    /// Closed bars of `symbol` whose open time is in `range`, oldest first.
    func history(symbol: Symbol, timeframe: Timeframe, range: Range<Timestamp>) async throws -> [Bar]
    /// Closed bars of every symbol as they close, with connection events; ends when the feed ends
    /// (a replay) or the task is cancelled.
    func events(symbols: [Symbol], timeframe: Timeframe) async -> AsyncThrowingStream<FeedEvent, any Error>
}

/// A live feed that resumes from what the consumer has: its first connection fetches from
/// history the bars each symbol closed after `known`, as every reconnect does.
public protocol ResumableMarketDataFeed: MarketDataFeed {
    /// The stream, healed from the open time of the last bar the consumer has per symbol.
    func events(symbols: [Symbol], timeframe: Timeframe, after known: [Symbol: Timestamp]) async -> AsyncThrowingStream<FeedEvent, any Error>
}
