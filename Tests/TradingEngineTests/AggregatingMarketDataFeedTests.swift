import Synchronization
import Testing
import TradingCore
import TradingEngine

/// A minute feed scripted by the test: history from a list, live minutes pushed by hand; it
/// records where each subscription asked to resume.
final class ScriptedMinuteFeed: ResumableMarketDataFeed {
    let name = "scripted"
    let stored: [Symbol: [Bar]]
    private let state = Mutex<(continuation: AsyncThrowingStream<FeedEvent, any Error>.Continuation?, resumedAfter: [Symbol: Timestamp]?)>((nil, nil))

    init(stored: [Symbol: [Bar]] = [:]) {
        self.stored = stored
    }

    func history(symbol: Symbol, timeframe: Timeframe, range: Range<Timestamp>) async throws -> [Bar] {
        (stored[symbol] ?? []).filter { range.contains($0.openTime) }
    }

    func events(symbols: [Symbol], timeframe: Timeframe) async -> AsyncThrowingStream<FeedEvent, any Error> {
        await events(symbols: symbols, timeframe: timeframe, after: [:])
    }

    func events(symbols: [Symbol], timeframe: Timeframe, after known: [Symbol: Timestamp]) async -> AsyncThrowingStream<FeedEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<FeedEvent, any Error>.makeStream()
        state.withLock { $0 = (continuation, known) }
        return stream
    }

    /// Where the last subscription resumed.
    var resumedAfter: [Symbol: Timestamp]? { state.withLock { $0.resumedAfter } }

    /// A minute closes.
    func push(_ bar: Bar, of symbol: Symbol) {
        send(.barClosed(symbol: symbol, timeframe: .oneMinute, bar: bar))
    }

    /// Any event of the feed.
    func send(_ event: FeedEvent) {
        _ = state.withLock { $0.continuation?.yield(event) }
    }
}

/// A clock the test moves.
final class SteppedClock: Sendable {
    private let time = Mutex<Int64>(0)
    init(_ milliseconds: Int64) { time.withLock { $0 = milliseconds } }
    var now: Timestamp { Timestamp(millisecondsSinceEpoch: time.withLock { $0 }) }
    func set(_ milliseconds: Int64) { time.withLock { $0 = milliseconds } }
}

/// Buckets of 5 minutes released `delay` after their end (a market that opens later).
struct DelayedBuckets: BarBuckets {
    let delay: Int64
    func bucket(containing minute: Timestamp) -> BarBucket? {
        let fixed = FixedBarBuckets(.fiveMinutes)!.bucket(containing: minute)!
        return BarBucket(openTime: fixed.openTime, start: fixed.start, end: fixed.end, release: fixed.end.adding(milliseconds: delay))
    }
    func bucket(stamped openTime: Timestamp) -> BarBucket? { FixedBarBuckets(.fiveMinutes)!.bucket(stamped: openTime) }
}

@Suite("Longer bars built from minutes", .timeLimit(.minutes(1)))
struct AggregatingMarketDataFeedTests {
    static let symbol = Symbol("BTC-USD")!
    /// 2024-01-02T00:00:00Z.
    static let origin: Int64 = 1_704_153_600_000

    /// The minute `index` after the origin, with prices 100 + index and the given volume.
    static func minute(_ index: Int64, volume: Int = 1) -> Bar {
        let base = 100 + Int(index)
        return try! Bar(openTime: Timestamp(millisecondsSinceEpoch: origin + index * 60_000), open: Price(FixedDecimal(base)),
                        high: Price(FixedDecimal(base + 2)), low: Price(FixedDecimal(base - 1)), close: Price(FixedDecimal(base + 1)),
                        volume: Quantity(FixedDecimal(volume)))
    }

    /// The 5-minute bar of minutes `first..<first+count` built by hand.
    static func fiveMinute(from first: Int64, count: Int64 = 5, volume: Int = 1) -> Bar {
        let minutes = (first..<(first + count)).map { minute($0, volume: volume) }
        return try! Bar(openTime: Timestamp(millisecondsSinceEpoch: origin + first * 60_000), open: minutes[0].open, high: minutes.map(\.high).max()!,
                        low: minutes.map(\.low).min()!, close: minutes.last!.close, volume: Quantity(FixedDecimal(volume * Int(count))))
    }

    /// Reads `count` bars from `iterator` (with a time limit).
    static func bars(_ count: Int, from iterator: inout AsyncThrowingStream<FeedEvent, any Error>.AsyncIterator) async throws -> [Bar] {
        var bars: [Bar] = []
        while bars.count < count, let event = try await iterator.next() {
            if case .barClosed(_, let timeframe, let bar) = event {
                #expect(timeframe == .fiveMinutes)
                bars.append(bar)
            }
        }
        return bars
    }

    @Test("history: complete buckets in the range, each the open of its first minute, the extremes, the last close and the summed volume")
    func history() async throws {
        // 17 minutes: three complete 5-minute buckets and two minutes of a fourth; minute 7 has no trade.
        let minutes = (0..<17).filter { $0 != 7 }.map { Self.minute(Int64($0)) }
        let feed = AggregatingMarketDataFeed(minutes: ScriptedMinuteFeed(stored: [Self.symbol: minutes]), timeframe: .fiveMinutes,
                                             buckets: FixedBarBuckets(.fiveMinutes)!, clock: { Timestamp(millisecondsSinceEpoch: Self.origin + 17 * 60_000) })
        let range = Timestamp(millisecondsSinceEpoch: Self.origin)..<Timestamp(millisecondsSinceEpoch: Self.origin + 17 * 60_000)
        let bars = try await feed.history(symbol: Self.symbol, timeframe: .fiveMinutes, range: range)
        let gapped = try Bar(openTime: Timestamp(millisecondsSinceEpoch: Self.origin + 5 * 60_000), open: Self.minute(5).open, high: Self.minute(9).high,
                             low: Self.minute(5).low, close: Self.minute(9).close, volume: Quantity(FixedDecimal(4)))
        #expect(bars == [Self.fiveMinute(from: 0), gapped, Self.fiveMinute(from: 10)])
        // A range that starts inside a bucket holds no bar stamped before it.
        let later = try await feed.history(symbol: Self.symbol, timeframe: .fiveMinutes,
                                           range: Timestamp(millisecondsSinceEpoch: Self.origin + 6 * 60_000)..<range.upperBound)
        #expect(later == [Self.fiveMinute(from: 10)])
    }

    @Test("live: a bar goes out when its last minute arrives, when a later minute arrives, or after the grace; a late minute is dropped and counted")
    func live() async throws {
        let minutes = ScriptedMinuteFeed()
        let clock = SteppedClock(Self.origin)
        var feed = AggregatingMarketDataFeed(minutes: minutes, timeframe: .fiveMinutes, buckets: FixedBarBuckets(.fiveMinutes)!, clock: { clock.now })
        feed.tick = .milliseconds(10)
        feed.grace = .seconds(5)
        var iterator = await feed.events(symbols: [Self.symbol], timeframe: .fiveMinutes).makeAsyncIterator()
        // A minute arrives when it has closed.
        func push(_ index: Int64) {
            clock.set(max(clock.now.millisecondsSinceEpoch, Self.origin + (index + 1) * 60_000))
            minutes.push(Self.minute(index), of: Self.symbol)
        }
        // The last minute completes the bucket.
        for index in 0..<5 { push(Int64(index)) }
        #expect(try await Self.bars(1, from: &iterator) == [Self.fiveMinute(from: 0)])
        // Minute 9 never comes: minute 10 closes the bucket without it.
        for index in 5..<9 { push(Int64(index)) }
        push(10)
        #expect(try await Self.bars(1, from: &iterator) == [Self.fiveMinute(from: 5, count: 4)])
        // Minute 9 arrives late: dropped, no second bar for that bucket.
        push(9)
        // Minutes 11 to 13, then nothing: the clock passing the end and the grace closes it.
        for index in 11..<14 { push(Int64(index)) }
        while await feed.counters.minutesRead < 14 { try await Task.sleep(for: .milliseconds(5)) }
        let built = await feed.counters.barsBuilt
        #expect(built == 2, "not closed before the grace has passed")
        clock.set(Self.origin + 15 * 60_000 + 5_000)
        #expect(try await Self.bars(1, from: &iterator) == [Self.fiveMinute(from: 10, count: 4)])
        let late = await feed.counters.lateMinutes, finally = await feed.counters.barsBuilt
        #expect(late == 1 && finally == 3)
    }

    @Test("a bar is held until its release time, and the stream and the history build the same bars from the same minutes")
    func releaseAndAgreement() async throws {
        let minutes = ScriptedMinuteFeed(stored: [Self.symbol: (0..<10).map { Self.minute($0, volume: 3) }])
        let clock = SteppedClock(Self.origin)
        var feed = AggregatingMarketDataFeed(minutes: minutes, timeframe: .fiveMinutes, buckets: DelayedBuckets(delay: 60_000), clock: { clock.now })
        feed.tick = .milliseconds(10)
        var iterator = await feed.events(symbols: [Self.symbol], timeframe: .fiveMinutes).makeAsyncIterator()
        for index in 0..<10 { minutes.push(Self.minute(Int64(index), volume: 3), of: Self.symbol) }
        // Both buckets are complete; neither may go out before its release.
        try await Task.sleep(for: .milliseconds(100))
        #expect(await feed.counters.barsBuilt == 2)
        clock.set(Self.origin + 6 * 60_000)
        let first = try await Self.bars(1, from: &iterator)
        clock.set(Self.origin + 11 * 60_000)
        let second = try await Self.bars(1, from: &iterator)
        // Read once both bars are released (and the grace after): the same bars.
        let history = try await feed.history(symbol: Self.symbol, timeframe: .fiveMinutes,
                                             range: Timestamp(millisecondsSinceEpoch: Self.origin)..<Timestamp(millisecondsSinceEpoch: Self.origin + 11 * 60_000 + 5_000))
        #expect(first + second == history && history.count == 2)
    }

    @Test("the minutes of a bucket long past, healed in a burst after a reconnect, all go into its bar")
    func healedBurst() async throws {
        let minutes = ScriptedMinuteFeed()
        // The clock is an hour past these minutes: only the arrival of minutes keeps the bucket open.
        let clock = SteppedClock(Self.origin + 3_600_000)
        var feed = AggregatingMarketDataFeed(minutes: minutes, timeframe: .fiveMinutes, buckets: FixedBarBuckets(.fiveMinutes)!, clock: { clock.now })
        feed.tick = .milliseconds(1)
        feed.grace = .seconds(5)
        var iterator = await feed.events(symbols: [Self.symbol], timeframe: .fiveMinutes).makeAsyncIterator()
        for index in 0..<4 {
            minutes.push(Self.minute(Int64(index)), of: Self.symbol)
            try await Task.sleep(for: .milliseconds(20))
            clock.set(clock.now.millisecondsSinceEpoch + 1_000)
        }
        minutes.push(Self.minute(5), of: Self.symbol)
        #expect(try await Self.bars(1, from: &iterator) == [Self.fiveMinute(from: 0, count: 4)])
    }

    @Test("while the minute feed is disconnected the clock closes no bar; after it connects, its healed minutes complete the bar")
    func disconnectedFeed() async throws {
        let minutes = ScriptedMinuteFeed()
        let clock = SteppedClock(Self.origin + 60_000)
        var feed = AggregatingMarketDataFeed(minutes: minutes, timeframe: .fiveMinutes, buckets: FixedBarBuckets(.fiveMinutes)!, clock: { clock.now })
        feed.tick = .milliseconds(5)
        feed.grace = .seconds(5)
        feed.reconnectGrace = .seconds(30)
        var iterator = await feed.events(symbols: [Self.symbol], timeframe: .fiveMinutes).makeAsyncIterator()
        for index in 0..<2 { minutes.push(Self.minute(Int64(index)), of: Self.symbol) }
        minutes.send(.disconnected(reason: "test"))
        #expect(try await iterator.next() == .disconnected(reason: "test"))
        // Long past the bucket's end: still open, the feed being down.
        clock.set(Self.origin + 3_600_000)
        try await Task.sleep(for: .milliseconds(50))
        #expect(await feed.counters.barsBuilt == 0)
        minutes.send(.connected)
        #expect(try await iterator.next() == .connected)
        for index in 2..<4 { minutes.push(Self.minute(Int64(index)), of: Self.symbol) }
        // Minute 4 had no trade; once 30 s have passed since the connection (and 5 s since the last minute) the clock closes the bar with all four.
        // (The minutes are read first: a minute's arrival is stamped with the clock when it is read.)
        while await feed.counters.minutesRead < 4 { try await Task.sleep(for: .milliseconds(5)) }
        clock.set(Self.origin + 3_600_000 + 60_000)
        #expect(try await Self.bars(1, from: &iterator) == [Self.fiveMinute(from: 0, count: 4)])
        #expect(await feed.counters.lateMinutes == 0)
    }

    @Test("history leaves a bar that is not yet released to the stream")
    func historyLeavesUnreleasedBars() async throws {
        let minutes = ScriptedMinuteFeed(stored: [Self.symbol: (0..<10).map { Self.minute($0) }])
        let feed = AggregatingMarketDataFeed(minutes: minutes, timeframe: .fiveMinutes, buckets: DelayedBuckets(delay: 60_000),
                                             clock: { Timestamp(millisecondsSinceEpoch: Self.origin) })
        // At 10:30 after the origin the first bar (released at 6:00) is in, the second (released at 11:00) is not.
        let bars = try await feed.history(symbol: Self.symbol, timeframe: .fiveMinutes,
                                          range: Timestamp(millisecondsSinceEpoch: Self.origin)..<Timestamp(millisecondsSinceEpoch: Self.origin + 630_000))
        #expect(bars == [Self.fiveMinute(from: 0)])
    }

    @Test("a resumed stream asks the minute feed for the minutes after the last minute of the consumer's last bar, and builds no bar up to it")
    func resume() async throws {
        let minutes = ScriptedMinuteFeed()
        var feed = AggregatingMarketDataFeed(minutes: minutes, timeframe: .fiveMinutes, buckets: FixedBarBuckets(.fiveMinutes)!,
                                             clock: { Timestamp(millisecondsSinceEpoch: Self.origin + 15 * 60_000) })
        feed.tick = .milliseconds(10)
        let known = Timestamp(millisecondsSinceEpoch: Self.origin + 5 * 60_000)
        var iterator = await feed.events(symbols: [Self.symbol], timeframe: .fiveMinutes, after: [Self.symbol: known]).makeAsyncIterator()
        #expect(minutes.resumedAfter == [Self.symbol: Timestamp(millisecondsSinceEpoch: Self.origin + 9 * 60_000)])
        // A minute of the known bar (a repeat the minute feed should not send) builds nothing.
        minutes.push(Self.minute(9), of: Self.symbol)
        for index in 10..<15 { minutes.push(Self.minute(Int64(index)), of: Self.symbol) }
        #expect(try await Self.bars(1, from: &iterator) == [Self.fiveMinute(from: 10)])
    }

    @Test("fixed buckets align on the epoch in UTC; weeks are refused", arguments: [
        (Timeframe.fiveMinutes, "2024-01-02T10:07:30Z", "2024-01-02T10:05:00Z"), (.oneHour, "2024-01-02T10:59:00Z", "2024-01-02T10:00:00Z"),
        (.fourHours, "2024-01-02T10:59:00Z", "2024-01-02T08:00:00Z"), (.oneDay, "2024-01-02T23:59:00Z", "2024-01-02T00:00:00Z"),
        (.fiveMinutes, "1969-12-31T23:58:00Z", "1969-12-31T23:55:00Z"),
    ])
    func fixedBuckets(timeframe: Timeframe, minute: String, start: String) throws {
        let bucket = try #require(FixedBarBuckets(timeframe)?.bucket(containing: Timestamp(iso8601: minute)!))
        #expect(bucket.start.iso8601.prefix(19) == start.prefix(19) && bucket.end == bucket.start.adding(milliseconds: timeframe.milliseconds))
        #expect(bucket.release == bucket.end && bucket.openTime == bucket.start)
        #expect(FixedBarBuckets(.oneWeek) == nil)
    }
}
