import TradingCore

/// A feed of longer bars built from a minute feed: each bar is the minutes of its bucket (open of
/// the first, highest high, lowest low, close of the last, summed volume), for history and live
/// alike, so a backfilled bar and a streamed one are made the same way. A bucket is complete when
/// its last minute arrives, when a minute of a later bucket arrives, or once `grace` has passed
/// both since its end and since its last minute came (venues such as IEX have minutes without
/// trades; a reconnect's healed minutes of an old bucket come in a burst and must not be cut off);
/// it then reaches the loop at its release time. While the minute feed is disconnected no bucket is
/// closed by the clock, and after it connects again its healed minutes get `reconnectGrace` to arrive.
/// A minute that arrives after its bucket went out is dropped and counted, never a second bar; a
/// bucket rule that fails (a calendar that cannot be read) is retried, never the end of the stream.
public struct AggregatingMarketDataFeed: ResumableMarketDataFeed {
    public var name: String { minutes.name }
    /// The minute feed.
    public let minutes: any ResumableMarketDataFeed
    public let timeframe: Timeframe
    public let buckets: any BarBuckets
    /// How long after a bucket's end its last minute is waited for.
    public var grace: Duration = .seconds(5)
    /// How long after a reconnect the healed minutes may take before the clock closes a bucket.
    public var reconnectGrace: Duration = .seconds(30)
    /// How often the clock is looked at for buckets to close or release.
    public var tick: Duration = .milliseconds(500)
    private let clock: @Sendable () -> Timestamp
    /// Minutes dropped because their bucket had gone out.
    public let counters = Counters()

    /// What the aggregation counted.
    public actor Counters {
        /// Minutes read from the minute feed.
        public private(set) var minutesRead = 0
        public private(set) var lateMinutes = 0
        public private(set) var barsBuilt = 0
        /// Failed bucket lookups, each retried.
        public private(set) var bucketErrors = 0
        /// Empty counters.
        public init() {}
        func late() { lateMinutes += 1 }
        func read() { minutesRead += 1 }
        func built() { barsBuilt += 1 }
        func bucketError() { bucketErrors += 1 }
    }

    /// Bars of `timeframe` grouped by `buckets` from `minutes`, on `clock`.
    public init(minutes: any ResumableMarketDataFeed, timeframe: Timeframe, buckets: any BarBuckets, clock: @escaping @Sendable () -> Timestamp) {
        self.minutes = minutes
        self.timeframe = timeframe
        self.buckets = buckets
        self.clock = clock
    }

    /// Why a request cannot be served.
    public struct AggregationError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The bars stamped in `range` that are complete and released by its end (and `grace` more, so
    /// their last minute is surely published): the minutes from the first bucket's start, grouped.
    /// A bar not yet released is left to the stream, which releases it when its time comes.
    public func history(symbol: Symbol, timeframe: Timeframe, range: Range<Timestamp>) async throws -> [Bar] {
        guard timeframe == self.timeframe else { throw AggregationError(description: "this feed builds \(self.timeframe.rawValue) bars, not \(timeframe.rawValue)") }
        let from = try await buckets.bucket(stamped: range.lowerBound)?.start ?? range.lowerBound
        guard from < range.upperBound else { return [] }
        let minuteBars = try await minutes.history(symbol: symbol, timeframe: .oneMinute, range: from..<range.upperBound)
        var built: [Bar] = []
        var current: (bucket: BarBucket, bars: [Bar])?
        func close() throws {
            if let done = current, done.bucket.end <= range.upperBound, done.bucket.release.adding(milliseconds: grace.wholeMilliseconds) <= range.upperBound,
               range.contains(done.bucket.openTime) {
                built.append(try Self.bar(done.bucket, done.bars))
            }
            current = nil
        }
        for minute in minuteBars {
            // The bucket being filled answers for its own minutes: the rule (a calendar) is asked once a bucket, not once a minute.
            let bucket: BarBucket
            if let open = current?.bucket, open.contains(minute.openTime) {
                bucket = open
            } else if let found = try await buckets.bucket(containing: minute.openTime) {
                bucket = found
            } else {
                continue
            }
            if let open = current, open.bucket != bucket { try close() }
            if current == nil { current = (bucket, []) }
            current!.bars.append(minute)
        }
        try close()
        return built
    }

    public func events(symbols: [Symbol], timeframe: Timeframe) async -> AsyncThrowingStream<FeedEvent, any Error> {
        await events(symbols: symbols, timeframe: timeframe, after: [:])
    }

    /// The stream of built bars: the minute feed resumes from the last minute of each symbol's last
    /// bar, and every bar after it is built and released in order.
    public func events(symbols: [Symbol], timeframe: Timeframe, after known: [Symbol: Timestamp]) async -> AsyncThrowingStream<FeedEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<FeedEvent, any Error>.makeStream()
        guard timeframe == self.timeframe else {
            continuation.finish(throwing: AggregationError(description: "this feed builds \(self.timeframe.rawValue) bars, not \(timeframe.rawValue)"))
            return stream
        }
        var knownMinutes: [Symbol: Timestamp] = [:]
        do {
            for (symbol, openTime) in known {
                guard let bucket = try await buckets.bucket(stamped: openTime) else { continue }
                knownMinutes[symbol] = bucket.end.adding(milliseconds: -Timeframe.oneMinute.milliseconds)
            }
        } catch {
            continuation.finish(throwing: error)
            return stream
        }
        let aggregation = BarAggregation(timeframe: timeframe, buckets: buckets, last: known, grace: grace, reconnectGrace: reconnectGrace, counters: counters,
                                         continuation: continuation)
        let minuteEvents = await minutes.events(symbols: symbols, timeframe: .oneMinute, after: knownMinutes)
        let clock = clock, tick = tick
        let reader = Task {
            do {
                for try await event in minuteEvents {
                    switch event {
                    case .barClosed(let symbol, _, let bar):
                        // A bucket rule that fails (its calendar unreadable) is retried with a growing pause; the minutes wait in order.
                        var pause: Duration = .milliseconds(500)
                        while true {
                            do {
                                try await aggregation.add(bar, of: symbol, now: clock())
                                await counters.read()
                                break
                            } catch is CancellationError {
                                throw CancellationError()
                            } catch {
                                await counters.bucketError()
                                try await Task.sleep(for: pause)
                                pause = min(pause * 2, .seconds(30))
                            }
                        }
                    case .connected:
                        await aggregation.connected(now: clock())
                        continuation.yield(event)
                    case .disconnected:
                        await aggregation.disconnected()
                        continuation.yield(event)
                    default: continuation.yield(event)
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                try? await aggregation.advance(now: clock())
            }
        }
        continuation.onTermination = { _ in
            reader.cancel()
            ticker.cancel()
        }
        return stream
    }

    /// The bar of a bucket's minutes (in time order).
    static func bar(_ bucket: BarBucket, _ minutes: [Bar]) throws -> Bar {
        let volumes = minutes.compactMap { $0.volume?.value }
        return try Bar(openTime: bucket.openTime, open: minutes.first!.open, high: minutes.map(\.high).max()!, low: minutes.map(\.low).min()!,
                       close: minutes.last!.close, volume: volumes.count == minutes.count ? Quantity(volumes.reduce(.zero, +)) : nil)
    }
}

/// The live state of an aggregation: per symbol the bucket being filled and the bars built but not
/// yet released; bars go out from here, so each symbol's come in order whichever task completed them.
actor BarAggregation {
    private let timeframe: Timeframe
    private let buckets: any BarBuckets
    private let grace: Int64
    private let reconnectGrace: Int64
    /// Whether the minute feed is connected, and when it last connected (its healed minutes come after).
    private var isConnected = true
    private var connectedAt: Timestamp?
    private let counters: AggregatingMarketDataFeed.Counters
    private let continuation: AsyncThrowingStream<FeedEvent, any Error>.Continuation
    /// Per symbol the bucket being filled, its minutes, and when the last of them came (on the feed's clock).
    private var filling: [Symbol: (bucket: BarBucket, bars: [Bar], arrived: Timestamp)] = [:]
    private var waiting: [Symbol: [(bucket: BarBucket, bar: Bar)]] = [:]
    /// The newest bucket end built per symbol: a minute before it is late.
    private var builtThrough: [Symbol: Timestamp] = [:]
    /// The stamp of the last bar the consumer has per symbol.
    private let known: [Symbol: Timestamp]

    init(timeframe: Timeframe, buckets: any BarBuckets, last known: [Symbol: Timestamp], grace: Duration, reconnectGrace: Duration,
         counters: AggregatingMarketDataFeed.Counters, continuation: AsyncThrowingStream<FeedEvent, any Error>.Continuation) {
        self.timeframe = timeframe
        self.buckets = buckets
        self.known = known
        self.grace = grace.wholeMilliseconds
        self.reconnectGrace = reconnectGrace.wholeMilliseconds
        self.counters = counters
        self.continuation = continuation
    }

    /// A closed minute of `symbol`.
    func add(_ minute: Bar, of symbol: Symbol, now: Timestamp) async throws {
        // The bucket being filled answers for its own minutes: the rule is asked once a bucket.
        let bucket: BarBucket
        if let open = filling[symbol]?.bucket, open.contains(minute.openTime) {
            bucket = open
        } else if let found = try await buckets.bucket(containing: minute.openTime) {
            bucket = found
        } else {
            // Outside every bucket (after the session): the bucket being filled is over.
            if let open = filling[symbol], minute.openTime >= open.bucket.end { try await complete(symbol) }
            try await advance(now: now)
            return
        }
        if let through = builtThrough[symbol], minute.openTime < through {
            await counters.late()
            return
        }
        if let known = known[symbol], bucket.openTime <= known { return }
        if let open = filling[symbol], open.bucket != bucket { try await complete(symbol) }
        filling[symbol, default: (bucket, [], now)].bars.append(minute)
        filling[symbol]!.arrived = now
        if minute.openTime.adding(milliseconds: Timeframe.oneMinute.milliseconds) >= bucket.end { try await complete(symbol) }
        try await advance(now: now)
    }

    /// The minute feed lost its connection: the clock closes no bucket until it is back.
    func disconnected() {
        isConnected = false
    }

    /// The minute feed connected: its healed minutes follow, and get `reconnectGrace` to come.
    func connected(now: Timestamp) {
        isConnected = true
        connectedAt = now
    }

    /// Whether the clock may close the bucket being filled: connected, and `grace` past both its end
    /// and its last minute (and `reconnectGrace` past the last connection).
    private func isOverdue(_ open: (bucket: BarBucket, bars: [Bar], arrived: Timestamp), now: Timestamp) -> Bool {
        guard isConnected else { return false }
        let time = now.millisecondsSinceEpoch
        return time >= max(open.bucket.end.millisecondsSinceEpoch, open.arrived.millisecondsSinceEpoch) + grace
            && time >= (connectedAt?.millisecondsSinceEpoch ?? .min) + reconnectGrace
    }

    /// Completes the buckets the clock has closed and releases the bars whose time has come.
    func advance(now: Timestamp) async throws {
        for (symbol, open) in filling where isOverdue(open, now: now) {
            // Looked at again: while an earlier completion waited, this symbol's bucket may have changed.
            guard let current = filling[symbol], current.bucket == open.bucket, isOverdue(current, now: now) else { continue }
            try await complete(symbol)
        }
        for symbol in waiting.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            while let first = waiting[symbol]?.first, first.bucket.release <= now {
                waiting[symbol]!.removeFirst()
                continuation.yield(.barClosed(symbol: symbol, timeframe: timeframe, bar: first.bar))
            }
        }
    }

    private func complete(_ symbol: Symbol) async throws {
        guard let done = filling.removeValue(forKey: symbol) else { return }
        waiting[symbol, default: []].append((done.bucket, try AggregatingMarketDataFeed.bar(done.bucket, done.bars)))
        builtThrough[symbol] = max(builtThrough[symbol] ?? done.bucket.end, done.bucket.end)
        await counters.built()
    }
}
