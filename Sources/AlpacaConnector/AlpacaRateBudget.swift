import TradingCore

/// The account's request budget (Alpaca: 200 requests a minute per key), shared by every caller in
/// the process: a request waits until fewer than `headroom` of the limit were sent in the last
/// minute; a 429 pauses every caller until the reset the answer names (`X-Ratelimit-Reset`, epoch
/// seconds) or, without one, for `defaultPause`.
public actor AlpacaRateBudget {
    public let limitPerMinute: Int
    /// The share of the limit this process uses (the rest absorbs other clients of the same key).
    public let headroom: Double
    public let defaultPause: Duration
    private var sent: [Int64] = []
    private var first = 0
    /// Until when a 429 paused every caller.
    public private(set) var pausedUntil: Timestamp?
    private let now: @Sendable () -> Timestamp
    private let sleep: @Sendable (Duration) async throws -> Void
    /// Requests made to wait, and 429s seen (for metrics).
    public private(set) var waits = 0
    public private(set) var rateLimitResponses = 0
    /// The time requests spent waiting, in all.
    public private(set) var waitedMilliseconds: Int64 = 0

    /// Creates a budget.
    public init(limitPerMinute: Int = 200, headroom: Double = 0.9, defaultPause: Duration = .seconds(3),
                now: @escaping @Sendable () -> Timestamp, sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        self.limitPerMinute = limitPerMinute
        self.headroom = headroom
        self.defaultPause = defaultPause
        self.now = now
        self.sleep = sleep
    }

    /// How many requests this process may have in a minute.
    public var allowed: Int { max(1, Int(Double(limitPerMinute) * headroom)) }

    /// The requests sent in the last minute.
    public var usedInLastMinute: Int {
        let cutoff = now().millisecondsSinceEpoch - 60_000
        return sent[first...].filter { $0 > cutoff }.count
    }

    /// Waits until a request fits, then counts it.
    public func acquire() async throws {
        while true {
            let time = now()
            if let pausedUntil, time < pausedUntil {
                waits += 1
                waitedMilliseconds += pausedUntil.millisecondsSinceEpoch - time.millisecondsSinceEpoch
                try await sleep(.milliseconds(pausedUntil.millisecondsSinceEpoch - time.millisecondsSinceEpoch))
                continue
            }
            let cutoff = time.millisecondsSinceEpoch - 60_000
            while first < sent.count && sent[first] <= cutoff { first += 1 }
            if first > 1_024 { sent.removeFirst(first); first = 0 }
            if sent.count - first < allowed {
                sent.append(time.millisecondsSinceEpoch)
                return
            }
            // Until the oldest request of the window leaves it.
            waits += 1
            waitedMilliseconds += max(1, sent[first] - cutoff)
            try await sleep(.milliseconds(max(1, sent[first] - cutoff)))
        }
    }

    /// A 429: every caller waits until `resetEpochSeconds` (or `defaultPause`). Returns when requests may resume.
    @discardableResult
    public func rateLimited(resetEpochSeconds: Int64?) -> Timestamp {
        rateLimitResponses += 1
        let time = now()
        var until = time.adding(milliseconds: max(1, defaultPause.wholeMilliseconds))
        if let reset = resetEpochSeconds, reset * 1_000 > time.millisecondsSinceEpoch, reset * 1_000 - time.millisecondsSinceEpoch <= 120_000 {
            until = Timestamp(millisecondsSinceEpoch: reset * 1_000)
        }
        pausedUntil = max(pausedUntil ?? until, until)
        return pausedUntil!
    }
}
