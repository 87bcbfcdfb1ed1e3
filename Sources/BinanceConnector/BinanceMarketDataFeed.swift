import Foundation
import Logging
import NIOCore
import TradingCore
import TradingEngine
import VenueTransport
import WSClient

/// Binance klines behind the `MarketDataFeed` port: history by REST (paged), and every symbol's
/// kline stream on one combined WebSocket connection.
///
/// Only closed klines (`"x": true`) become bars. Each symbol's bars come out strictly in time
/// order, each once: a repeated or older kline is dropped, and a kline that skips bars (missed
/// while the connection was down, or lost) is preceded by the missing bars fetched by REST, then
/// `gapHealed`. After every reconnect the bars that closed meanwhile are fetched the same way. The
/// connection is renewed before Binance's 24-hour limit, and at once on `serverShutdown`;
/// reconnects wait a jittered, growing delay. The client pings the server and drops a connection
/// whose pong does not come back (a silent, half-open socket).
public struct BinanceMarketDataFeed: ResumableMarketDataFeed {
    public let name = "binance"
    public let streamURL: String
    public let history: BinanceKlineHistory
    public let statistics: BinanceFeedStatistics
    /// The first reconnect delay; it doubles up to `maximumReconnectDelay`, each ±50 % at random.
    public var initialReconnectDelay: Duration = .milliseconds(250)
    public var maximumReconnectDelay: Duration = .seconds(30)
    /// Renew the connection after this long (Binance ends it at 24 hours).
    public var plannedReconnectAfter: Duration = .seconds(23 * 3_600 + 50 * 60)
    /// How often the client pings; no pong within it closes the connection.
    public var pingInterval: Duration = .seconds(20)
    private let logger: Logger

    /// Creates a feed of `streamURL` (such as `wss://stream.binance.com:9443`) with REST history.
    public init(streamURL: String, history: BinanceKlineHistory, statistics: BinanceFeedStatistics = BinanceFeedStatistics(),
                logger: Logger = Logger(label: "binance.feed")) {
        self.streamURL = streamURL
        self.history = history
        self.statistics = statistics
        self.logger = logger
    }

    public func history(symbol: Symbol, timeframe: Timeframe, range: Range<Timestamp>) async throws -> [Bar] {
        try await history.bars(symbol: symbol, timeframe: timeframe, range: range)
    }

    /// The combined-stream URL of the symbols' klines.
    public func url(symbols: [Symbol], timeframe: Timeframe) -> String {
        streamURL + "/stream?streams=" + symbols.map { "\($0.rawValue.lowercased())@kline_\(BinanceKline.interval(of: timeframe))" }.joined(separator: "/")
    }

    public func events(symbols: [Symbol], timeframe: Timeframe) async -> AsyncThrowingStream<FeedEvent, any Error> {
        await events(symbols: symbols, timeframe: timeframe, after: [:])
    }

    /// The stream, with the open time of the last bar the consumer already has per symbol: the
    /// first connection heals from there, as every reconnect does.
    public func events(symbols: [Symbol], timeframe: Timeframe, after known: [Symbol: Timestamp]) async -> AsyncThrowingStream<FeedEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<FeedEvent, any Error>.makeStream()
        let sequencer = BarSequencer(timeframe: timeframe, last: known)
        let feed = self
        let task = Task {
            var attempt = 0
            while !Task.isCancelled {
                let outcome = await feed.connectOnce(symbols: symbols, timeframe: timeframe, sequencer: sequencer, continuation: continuation)
                guard !Task.isCancelled else { break }
                await feed.statistics.didDisconnect(outcome.reason)
                continuation.yield(.disconnected(reason: outcome.reason))
                // Only a connection that lasted resets the backoff: one that fails at once (a ban, a broken heal)
                // must not become a reconnect storm that gets the IP's streams banned too.
                attempt = outcome.wasConnected && outcome.lasted >= .seconds(10) ? 0 : attempt + 1
                let delay = outcome.immediate ? Duration.zero : feed.reconnectDelay(attempt: attempt)
                feed.logger.warning("kline stream disconnected; reconnecting", metadata: ["reason": "\(outcome.reason)", "delay_ms": "\(delay.wholeMilliseconds)"])
                try? await Task.sleep(for: delay)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// The delay before reconnect `attempt` (0: the first after a working connection).
    public func reconnectDelay(attempt: Int) -> Duration {
        ReconnectBackoff.delay(attempt: attempt, initial: initialReconnectDelay, maximum: maximumReconnectDelay)
    }

    private struct Outcome {
        let reason: String
        let wasConnected: Bool
        /// How long the connection stayed up.
        var lasted: Duration = .zero
        /// A planned renewal or a server shutdown: reconnect at once.
        let immediate: Bool
    }

    private enum Ending: Error {
        case planned
        case shutdown
    }

    private func connectOnce(symbols: [Symbol], timeframe: Timeframe, sequencer: BarSequencer,
                             continuation: AsyncThrowingStream<FeedEvent, any Error>.Continuation) async -> Outcome {
        let connected = ConnectionFlag()
        let feed = self
        let started = ContinuousClock.now
        var configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20, autoPing: .enabled(timePeriod: pingInterval))
        configuration.closeTimeout = .seconds(5)
        do {
            try await WebSocketClient.connect(url: url(symbols: symbols, timeframe: timeframe), configuration: configuration, logger: logger) { inbound, outbound, _ in
                await connected.set()
                await feed.statistics.didConnect()
                continuation.yield(.connected)
                // Bars that closed while there was no connection.
                try await feed.heal(symbols: symbols, sequencer: sequencer, before: nil, continuation: continuation)
                let renewal = Task {
                    try await Task.sleep(for: feed.plannedReconnectAfter)
                    await connected.plan()
                    await feed.statistics.didPlanReconnect()
                    try await outbound.close(.normalClosure, reason: "planned renewal before the 24-hour limit")
                }
                defer { renewal.cancel() }
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message else { continue }
                    if try await feed.handle(Array(text.utf8), symbols: symbols, sequencer: sequencer, continuation: continuation) == .shutdown {
                        try await outbound.close(.goingAway, reason: "serverShutdown received")
                        throw Ending.shutdown
                    }
                }
                if await connected.planned { throw Ending.planned }
            }
        } catch Ending.shutdown {
            return Outcome(reason: "the exchange announced a server shutdown", wasConnected: true, lasted: ContinuousClock.now - started, immediate: true)
        } catch Ending.planned {
            return Outcome(reason: "planned renewal", wasConnected: true, lasted: ContinuousClock.now - started, immediate: true)
        } catch {
            return Outcome(reason: "\(error)", wasConnected: await connected.value, lasted: ContinuousClock.now - started, immediate: false)
        }
        return Outcome(reason: "the exchange closed the connection", wasConnected: await connected.value, lasted: ContinuousClock.now - started, immediate: false)
    }

    enum FrameResult {
        case handled
        case shutdown
    }

    /// One text frame: a closed kline in order is emitted (after healing a gap), a duplicate
    /// dropped, a malformed frame logged with its text and counted — never fatal.
    func handle(_ bytes: [UInt8], symbols: [Symbol], sequencer: BarSequencer,
                continuation: AsyncThrowingStream<FeedEvent, any Error>.Continuation) async throws -> FrameResult {
        let kline: BinanceKline?
        do {
            kline = try BinanceKline.decodeStreamFrame(bytes)
        } catch {
            await statistics.didReceiveMalformed("\(error)")
            logger.error("malformed stream frame", metadata: ["error": "\(error)", "frame": "\(String(decoding: bytes.prefix(2_000), as: UTF8.self))"])
            return .handled
        }
        guard let kline else {
            if BinanceKline.isServerShutdown(bytes) {
                await statistics.didReceiveShutdown()
                return .shutdown
            }
            return .handled
        }
        guard kline.isClosed, kline.timeframe == sequencer.timeframe, symbols.contains(kline.symbol) else { return .handled }
        switch await sequencer.place(symbol: kline.symbol, openTime: kline.bar.openTime) {
        case .duplicate:
            await statistics.didDropDuplicate()
        case .next:
            await emit(kline.symbol, kline.bar, healed: false, sequencer: sequencer, continuation: continuation)
        case .gap:
            try await heal(symbols: [kline.symbol], sequencer: sequencer, before: kline.bar.openTime, continuation: continuation)
            // History without the missing bars (the exchange has none for them): the bar goes out after the hole.
            if await sequencer.place(symbol: kline.symbol, openTime: kline.bar.openTime) != .duplicate {
                if await sequencer.place(symbol: kline.symbol, openTime: kline.bar.openTime) == .gap {
                    logger.warning("a gap history could not fill", metadata: ["symbol": "\(kline.symbol)", "before": "\(kline.bar.openTime.iso8601)"])
                }
                await emit(kline.symbol, kline.bar, healed: false, sequencer: sequencer, continuation: continuation)
            }
        }
        return .handled
    }

    /// Fetches and emits the bars each symbol misses after its last one, up to `before` (or every
    /// bar closed by now), then says so with `gapHealed`.
    func heal(symbols: [Symbol], sequencer: BarSequencer, before: Timestamp?, continuation: AsyncThrowingStream<FeedEvent, any Error>.Continuation) async throws {
        for symbol in symbols {
            guard let last = await sequencer.last(symbol) else { continue }
            let from = last.adding(milliseconds: sequencer.timeframe.milliseconds)
            let now = await history.rest.serverTimeEstimate
            let until = before ?? now
            guard from < until else { continue }
            let bars = try await history.bars(symbol: symbol, timeframe: sequencer.timeframe, range: from..<until)
            var emitted = 0
            for bar in bars where await sequencer.place(symbol: symbol, openTime: bar.openTime) != .duplicate {
                await emit(symbol, bar, healed: true, sequencer: sequencer, continuation: continuation)
                emitted += 1
            }
            if emitted > 0 {
                await statistics.didHealGap()
                continuation.yield(.gapHealed(symbol: symbol, from: from, bars: emitted))
                logger.notice("gap healed from history", metadata: ["symbol": "\(symbol)", "from": "\(from.iso8601)", "bars": "\(emitted)"])
            }
        }
    }

    private func emit(_ symbol: Symbol, _ bar: Bar, healed: Bool, sequencer: BarSequencer,
                      continuation: AsyncThrowingStream<FeedEvent, any Error>.Continuation) async {
        await sequencer.record(symbol: symbol, openTime: bar.openTime)
        await statistics.didEmit(closeTime: bar.closeTime(timeframe: sequencer.timeframe), healed: healed)
        continuation.yield(.barClosed(symbol: symbol, timeframe: sequencer.timeframe, bar: bar))
    }
}

/// Whether a connection got as far as its handler, and whether its end was a planned renewal.
private actor ConnectionFlag {
    private(set) var value = false
    private(set) var planned = false
    func set() { value = true }
    func plan() { planned = true }
}

/// The last emitted bar per symbol, and where a new one falls: the next bar, a gap, or a repeat.
actor BarSequencer {
    enum Placement {
        case next
        case gap
        case duplicate
    }

    nonisolated let timeframe: Timeframe
    private var lastOpen: [Symbol: Timestamp]

    init(timeframe: Timeframe, last: [Symbol: Timestamp]) {
        self.timeframe = timeframe
        lastOpen = last
    }

    func last(_ symbol: Symbol) -> Timestamp? { lastOpen[symbol] }

    func place(symbol: Symbol, openTime: Timestamp) -> Placement {
        guard let last = lastOpen[symbol] else { return .next }
        if openTime <= last { return .duplicate }
        return openTime == last.adding(milliseconds: timeframe.milliseconds) ? .next : .gap
    }

    func record(symbol: Symbol, openTime: Timestamp) {
        lastOpen[symbol] = max(lastOpen[symbol] ?? openTime, openTime)
    }
}
