import Foundation
import Logging
import Storage
import TradingCore
import TradingEngine

/// Between a live feed and the trading loop: backfills the store so the models have their
/// history, then turns the feed's closed bars into groups (every symbol at one open time) for the
/// loop, which stores each group with the step that processes it — so a restart finds in the store
/// every bar the loop traded on, and fetches again from history the bars it had not processed.
struct LiveBarBridge: Sendable {
    let feed: any ResumableMarketDataFeed
    let store: SQLStore
    let symbols: [Symbol]
    let timeframe: Timeframe
    /// The asset class each symbol's bars are stored under.
    let assetClass: @Sendable (Symbol) -> AssetClass
    let logger: Logger
    let announce: @Sendable (String) -> Void
    /// Called when the feed connects again after a disconnection (the loop reconciles then).
    var reconnected: @Sendable () -> Void = {}

    /// Fetches the closed bars each symbol misses, from its last stored bar (or `warmupBars` back
    /// from now, or from `start` when the venue's bars keep market hours) until now, and stores them;
    /// returns the last stored open time per symbol.
    func backfill(warmupBars: Int, now: Timestamp, start: Timestamp? = nil) async throws -> [Symbol: Timestamp] {
        var last: [Symbol: Timestamp] = [:]
        var batches: [BarImportBatch] = []
        for symbol in symbols {
            let stored = try await store.instruments().first { $0.instrument.symbol == symbol }?.series.first { $0.timeframe == timeframe }?.lastOpenTime
            let earliest = start ?? Timestamp(millisecondsSinceEpoch: (now.millisecondsSinceEpoch / timeframe.milliseconds - Int64(warmupBars)) * timeframe.milliseconds)
            let from = stored.map { max($0.adding(milliseconds: timeframe.milliseconds), earliest) } ?? earliest
            let bars = from < now ? try await feed.history(symbol: symbol, timeframe: timeframe, range: from..<now) : []
            if !bars.isEmpty {
                batches.append(BarImportBatch(instrument: Instrument(symbol: symbol, assetClass: assetClass(symbol), quoteCurrency: nil), timeframe: timeframe,
                                              kind: .ohlcv, bars: bars, source: "\(feed.name) backfill"))
            }
            announce("Backfilled \(bars.count) \(timeframe.rawValue) bars of \(symbol) from \(from.iso8601).")
            last[symbol] = bars.last?.openTime ?? stored
        }
        if !batches.isEmpty { _ = try await store.importBars(batches) }
        return last
    }

    /// Groups of closed bars for the loop, each stored first; ends when the task is cancelled.
    func groups(after last: [Symbol: Timestamp]) async -> AsyncStream<LiveBarGroup.Arrival> {
        let (stream, continuation) = AsyncStream<LiveBarGroup.Arrival>.makeStream()
        let events = await feed.events(symbols: symbols, timeframe: timeframe, after: last)
        let bridge = self
        let task = Task {
            var pending: [Timestamp: [Symbol: Bar]] = [:]
            var newest: [Symbol: Timestamp] = last
            var silent: Set<Symbol> = []
            var connections = 0
            do {
                for try await event in events {
                    switch event {
                    case .barClosed(let symbol, _, let bar):
                        pending[bar.openTime, default: [:]][symbol] = bar
                        newest[symbol] = bar.openTime
                        // A symbol three bars behind the others holds every later time back: say so once. Counted in
                        // the bar times waiting for it, not in clock time (a market's first bar after a night is not "behind").
                        for other in bridge.symbols where !silent.contains(other) {
                            let behind = newest[other].map { last in pending.keys.filter { $0 > last }.count } ?? 0
                            if behind >= 3 {
                                silent.insert(other)
                                bridge.announce("Feed \(bridge.feed.name): no bar of \(other) since \(newest[other]!.iso8601) while the others go on; "
                                    + "the loop steps only on times every symbol has, so it waits.")
                            }
                        }
                        if silent.contains(symbol) {
                            silent.remove(symbol)
                            bridge.announce("Feed \(bridge.feed.name): bars of \(symbol) again from \(bar.openTime.iso8601).")
                        }
                        // Complete groups go out oldest first (each symbol's bars come in order). An older group
                        // still incomplete when a newer one is complete can never complete: a symbol had no bar then.
                        while let oldest = pending.keys.min() {
                            if pending[oldest]!.count < bridge.symbols.count {
                                guard pending.contains(where: { $0.key > oldest && $0.value.count == bridge.symbols.count }) else { break }
                                bridge.logger.warning("bar time skipped: not every symbol has a bar", metadata: ["time": "\(oldest.iso8601)"])
                                pending[oldest] = nil
                                continue
                            }
                            continuation.yield(LiveBarGroup.Arrival(bars: pending.removeValue(forKey: oldest)!, completed: ContinuousClock.now))
                        }
                    case .connected:
                        bridge.logger.info("feed connected", metadata: ["feed": "\(bridge.feed.name)"])
                        connections += 1
                        if connections > 1 { bridge.reconnected() }
                    case .disconnected(let reason):
                        bridge.announce("Feed \(bridge.feed.name) disconnected (\(reason)); reconnecting.")
                    case .gapHealed(let symbol, let from, let bars):
                        bridge.announce("Feed \(bridge.feed.name): \(bars) missed bars of \(symbol) from \(from.iso8601) fetched from history.")
                    }
                }
            } catch {
                bridge.logger.error("live bars stopped", metadata: ["error": "\(error)"])
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
