import TradingCore

/// Stored bars replayed as a feed: `connected`, then every bar of every symbol in close-time
/// order (symbols in name order at the same time), then the stream ends. `pace` is the wall time
/// between bar times (zero: as fast as the consumer takes them).
public struct ReplayFeed: MarketDataFeed {
    public let name = "replay"
    /// The bars of each symbol, oldest first.
    public let bars: [Symbol: [Bar]]
    public let timeframe: Timeframe
    public let pace: Duration

    /// Creates a feed over `bars` of one timeframe.
    public init(bars: [Symbol: [Bar]], timeframe: Timeframe, pace: Duration = .zero) {
        self.bars = bars
        self.timeframe = timeframe
        self.pace = pace
    }

    public func history(symbol: Symbol, timeframe: Timeframe, range: Range<Timestamp>) async throws -> [Bar] {
        guard timeframe == self.timeframe else { return [] }
        return (bars[symbol] ?? []).filter { range.contains($0.openTime) }
    }

    public func events(symbols: [Symbol], timeframe: Timeframe) async -> AsyncThrowingStream<FeedEvent, any Error> {
        let ordered = symbols.sorted().flatMap { symbol in (bars[symbol] ?? []).map { (symbol, $0) } }
            .sorted { ($0.1.openTime, $0.0.rawValue) < ($1.1.openTime, $1.0.rawValue) }
        let matches = timeframe == self.timeframe, pace = pace
        return AsyncThrowingStream { continuation in
            let task = Task {
                continuation.yield(.connected)
                var previous: Timestamp?
                for (symbol, bar) in ordered where matches {
                    if Task.isCancelled { break }
                    if pace > .zero, let previous, bar.openTime > previous { try? await Task.sleep(for: pace) }
                    previous = bar.openTime
                    continuation.yield(.barClosed(symbol: symbol, timeframe: timeframe, bar: bar))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
