import BinanceConnector
import BinanceStub
import Foundation
import TestSupport
import Testing
import TradingCore
import TradingEngine

/// Collects a feed's events so a test can wait for some (a minute at most: the suite shares two cores).
actor FeedRecorder {
    private(set) var events: [FeedEvent] = []
    private var task: Task<Void, Never>?

    init(_ stream: AsyncThrowingStream<FeedEvent, any Error>) {
        Task { await self.start(stream) }
    }

    private func start(_ stream: AsyncThrowingStream<FeedEvent, any Error>) {
        task = Task {
            do { for try await event in stream { self.append(event) } } catch {}
        }
    }

    private func append(_ event: FeedEvent) { events.append(event) }

    func stop() { task?.cancel() }

    /// The closed bars of `symbol`, in the order they came.
    func bars(_ symbol: Symbol) -> [Bar] {
        events.compactMap { if case .barClosed(symbol, _, let bar) = $0 { bar } else { nil } }
    }

    func count(_ predicate: (FeedEvent) -> Bool) -> Int { events.filter(predicate).count }

    /// Waits until `condition` holds over the events.
    func wait(_ what: String, timeout: Duration = .seconds(60), until condition: @Sendable ([FeedEvent]) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(events) {
            guard ContinuousClock.now < deadline else { throw ConformanceFailure("timed out waiting for \(what); events: \(events)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

@Suite("Binance kline feed against the stub exchange", .serialized)
struct BinanceFeedTests {
    static let btc = Symbol("BTCUSDT")!, eth = Symbol("ETHUSDT")!
    /// Minute bars of 2023: closed long ago, so history serves them.
    static func bar(_ minute: Int64, _ close: String = "100") -> Bar {
        StubFixture.bar(close, close, close, close, at: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 - 1_700_000_000_000 % 60_000 + minute * 60_000))
    }

    static func feed(_ fixture: StubFixture) -> BinanceMarketDataFeed {
        var feed = BinanceMarketDataFeed(streamURL: fixture.endpoints.streamURL, history: BinanceKlineHistory(rest: fixture.rest))
        feed.initialReconnectDelay = .milliseconds(20)
        feed.maximumReconnectDelay = .milliseconds(200)
        return feed
    }

    static func connections(_ events: [FeedEvent]) -> Int { events.filter { $0 == .connected }.count }

    /// Waits until the stub has registered the connection: the client says `connected` as the
    /// upgrade completes, a moment before the stub's handler subscribes it, and a bar traded in
    /// between would reach no one (live, the next bar's gap would heal it; a test must not rely on that).
    static func waitForSubscriber(_ fixture: StubFixture) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while await fixture.exchange.openStreamConnections == 0 {
            guard ContinuousClock.now < deadline else { throw ConformanceFailure("the stub never registered the stream connection") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// A stub, a feed of `symbols` on it (after `prepare`), connected, handed to `body`.
    static func withFeed(_ symbols: [Symbol] = [btc], pingInterval: Duration? = nil, prepare: (StubFixture) async -> Void = { _ in },
                         _ body: (StubFixture, BinanceMarketDataFeed, FeedRecorder) async throws -> Void) async throws {
        let fixture = try await StubFixture.start()
        defer { fixture.stop() }
        await prepare(fixture)
        var feed = Self.feed(fixture)
        if let pingInterval { feed.pingInterval = pingInterval }
        let recorder = FeedRecorder(await feed.events(symbols: symbols, timeframe: .oneMinute))
        try await withCleanup {
            try await recorder.wait("the connection") { Self.connections($0) == 1 }
            try await Self.waitForSubscriber(fixture)
            try await body(fixture, feed, recorder)
        } cleanup: {
            await recorder.stop()
        }
    }

    @Test("closed klines of every symbol arrive on one connection as bars, once each; forming klines do not")
    func closedKlines() async throws {
        try await Self.withFeed([Self.btc, Self.eth]) { fixture, feed, recorder in
            for minute in 0..<3 {
                await fixture.exchange.trade(Self.bar(Int64(minute), "10\(minute)"), symbol: "BTCUSDT", interval: "1m")
                await fixture.exchange.trade(Self.bar(Int64(minute), "20\(minute)"), symbol: "ETHUSDT", interval: "1m")
            }
            try await recorder.wait("six bars") { events in events.filter { if case .barClosed = $0 { true } else { false } }.count == 6 }
            #expect(await recorder.bars(Self.btc) == (0..<3).map { Self.bar(Int64($0), "10\($0)") })
            #expect(await recorder.bars(Self.eth) == (0..<3).map { Self.bar(Int64($0), "20\($0)") })
            #expect(await fixture.exchange.streamConnections == 1)
            #expect(await feed.statistics.snapshot.barsEmitted == 6)
        }
    }

    @Test("a dropped socket reconnects, and the bars that closed meanwhile come from history, in order, once, then gapHealed")
    func droppedSocket() async throws {
        try await Self.withFeed { fixture, feed, recorder in
            await fixture.exchange.trade(Self.bar(0), symbol: "BTCUSDT", interval: "1m")
            try await recorder.wait("the first bar") { $0.contains(.barClosed(symbol: Self.btc, timeframe: .oneMinute, bar: Self.bar(0))) }
            // Dropped, and two bars close before the client is back (the stub is told not to accept it yet).
            await fixture.exchange.setAcceptingStreams(false)
            await fixture.exchange.dropStreamConnections()
            try await recorder.wait("the disconnection") { events in events.contains { if case .disconnected = $0 { true } else { false } } }
            await fixture.exchange.trade(Self.bar(1, "101"), symbol: "BTCUSDT", interval: "1m")
            await fixture.exchange.trade(Self.bar(2, "102"), symbol: "BTCUSDT", interval: "1m")
            await fixture.exchange.setAcceptingStreams(true)
            try await recorder.wait("the healed gap") { events in events.contains { if case .gapHealed(Self.btc, _, 2) = $0 { true } else { false } } }
            try await Self.waitForSubscriber(fixture)
            await fixture.exchange.trade(Self.bar(3, "103"), symbol: "BTCUSDT", interval: "1m")
            try await recorder.wait("the live bar after the gap") { $0.contains(.barClosed(symbol: Self.btc, timeframe: .oneMinute, bar: Self.bar(3, "103"))) }
            #expect(await recorder.bars(Self.btc) == [Self.bar(0), Self.bar(1, "101"), Self.bar(2, "102"), Self.bar(3, "103")])
            let statistics = await feed.statistics.snapshot
            #expect(statistics.gapsHealed == 1 && statistics.barsHealed == 2 && statistics.reconnects >= 1)
        }
    }

    @Test("duplicated and out-of-order klines: each bar once and in order, a skipped bar fetched from history")
    func duplicatesAndReordering() async throws {
        try await Self.withFeed(prepare: { fixture in
    await fixture.exchange.setHistory((0..<4).map { Self.bar($0, "10\($0)") }, symbol: "BTCUSDT", interval: "1m")
        }) { fixture, feed, recorder in
            for minute: Int64 in [0, 0, 1, 3, 2, 1] {
                await fixture.exchange.publishKline(Self.bar(minute, "10\(minute)"), symbol: "BTCUSDT", interval: "1m", closed: true)
            }
            try await recorder.wait("four bars") { events in events.filter { if case .barClosed = $0 { true } else { false } }.count == 4 }
            try await Task.sleep(for: .milliseconds(200))
            #expect(await recorder.bars(Self.btc) == (0..<4).map { Self.bar($0, "10\($0)") })
            #expect(await feed.statistics.snapshot.duplicateFrames == 3)
        }
    }

    @Test("a corrupted frame is logged and counted, and the stream goes on")
    func corruptedFrame() async throws {
        try await Self.withFeed { fixture, feed, recorder in
            await fixture.exchange.send("{\"stream\":\"btcusdt@kline_1m\",\"data\":{\"e\":\"kline\",\"k\":{\"t\":1,\"o\":\"nope\"", to: "btcusdt@kline_1m")
            await fixture.exchange.trade(Self.bar(0), symbol: "BTCUSDT", interval: "1m")
            try await recorder.wait("the bar after the corrupted frame") { $0.contains(.barClosed(symbol: Self.btc, timeframe: .oneMinute, bar: Self.bar(0))) }
            #expect(await feed.statistics.snapshot.malformedFrames == 1)
            #expect(Self.connections(await recorder.events) == 1, "a bad frame does not cost the connection")
        }
    }

    @Test("serverShutdown: the client reconnects at once")
    func serverShutdown() async throws {
        try await Self.withFeed { fixture, feed, recorder in
            await fixture.exchange.announceShutdown()
            try await recorder.wait("the new connection") { Self.connections($0) == 2 }
            #expect(await feed.statistics.snapshot.serverShutdowns == 1)
        }
    }

    @Test("a silent connection (its pong never comes) is closed by the client's ping and replaced")
    func silentConnection() async throws {
        try await Self.withFeed(pingInterval: .milliseconds(300)) { fixture, feed, recorder in
            await fixture.exchange.silenceStreamConnections()
            try await recorder.wait("the replacement connection") { Self.connections($0) == 2 }
            try await Self.waitForSubscriber(fixture)
            await fixture.exchange.trade(Self.bar(0), symbol: "BTCUSDT", interval: "1m")
            try await recorder.wait("a bar on the new connection") { $0.contains(.barClosed(symbol: Self.btc, timeframe: .oneMinute, bar: Self.bar(0))) }
        }
    }

    @Test("history pages across 1,000-bar pages: no bar missing or repeated", arguments: [999, 1_000, 2_500])
    func historyPaging(count: Int) async throws {
        let fixture = try await StubFixture.start()
        defer { fixture.stop() }
        let bars = (0..<Int64(count)).map { Self.bar($0, String(100 + $0 % 50)) }
        await fixture.exchange.setHistory(bars, symbol: "BTCUSDT", interval: "1m")
        let history = BinanceKlineHistory(rest: fixture.rest)
        let fetched = try await history.bars(symbol: Self.btc, timeframe: .oneMinute, range: bars[0].openTime..<bars[count - 1].openTime.adding(milliseconds: 60_000))
        #expect(fetched == bars)
        let tail = try await history.bars(symbol: Self.btc, timeframe: .oneMinute, range: bars[count / 2].openTime..<bars[count - 1].openTime)
        #expect(tail == Array(bars[(count / 2)..<(count - 1)]), "the end of the range is excluded")
    }
}
