import TradingCore
import TradingEngine

/// The request budget of one IP (request weight) and one account (orders), shared by every symbol
/// and caller in the process, so the connector never exceeds Binance's limits however many
/// symbols it trades.
///
/// Windows are fixed intervals of server time (Binance counts per minute, per ten seconds, per
/// day from the interval's start). A request waits until its weight fits under `headroom` of the
/// limit; the used counts the exchange reports (`X-MBX-USED-WEIGHT-1M`, `X-MBX-ORDER-COUNT-10S`,
/// …) raise the local counts when they are higher (other processes on the same IP or key). A 429
/// pauses every caller until its `Retry-After`; a 418 (banned) makes every call fail at once,
/// without sending, until the ban ends.
public actor BinanceRateBudget {
    /// One limit's window and what it has used.
    public struct Usage: Sendable, Hashable {
        public let type: String
        public let windowMilliseconds: Int64
        public let limit: Int
        public let used: Int
    }

    private struct Window {
        let limit: BinanceExchangeInfo.RateLimit
        var start: Int64 = .min
        var used = 0
    }

    private var windows: [Window]
    private var pausedUntil: Timestamp?
    private var bannedUntil: Timestamp?
    private let now: @Sendable () -> Timestamp
    private let sleep: @Sendable (Duration) async throws -> Void
    /// The share of each limit the connector lets itself use (the rest absorbs other clients' use).
    public let headroom: Double
    /// Requests made to wait, and 429s and 418s seen (for metrics).
    public private(set) var waits = 0
    /// The time requests spent waiting for the budget, in all.
    public private(set) var waitedMilliseconds: Int64 = 0
    public private(set) var rateLimitResponses = 0
    public private(set) var banResponses = 0

    /// Creates a budget with Binance's published defaults until `exchangeInfo` replaces them.
    public init(limits: [BinanceExchangeInfo.RateLimit] = BinanceRateBudget.defaultLimits, headroom: Double = 0.8,
                now: @escaping @Sendable () -> Timestamp, sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        windows = limits.map { Window(limit: $0) }
        self.headroom = headroom
        self.now = now
        self.sleep = sleep
    }

    /// The spot limits as documented: 6,000 weight a minute, 50 orders per 10 s, 160,000 a day.
    public static let defaultLimits = [
        BinanceExchangeInfo.RateLimit(type: "REQUEST_WEIGHT", windowMilliseconds: 60_000, limit: 6_000),
        BinanceExchangeInfo.RateLimit(type: "ORDERS", windowMilliseconds: 10_000, limit: 50),
        BinanceExchangeInfo.RateLimit(type: "ORDERS", windowMilliseconds: 86_400_000, limit: 160_000),
    ]

    /// Replaces the limits with those of `exchangeInfo` (keeping what the current windows used).
    public func update(limits: [BinanceExchangeInfo.RateLimit]) {
        let old = windows
        windows = limits.filter { $0.type == "REQUEST_WEIGHT" || $0.type == "ORDERS" }.map { limit in
            old.first { $0.limit.type == limit.type && $0.limit.windowMilliseconds == limit.windowMilliseconds }
                .map { Window(limit: limit, start: $0.start, used: $0.used) } ?? Window(limit: limit)
        }
    }

    /// Waits until a request of `weight` (and `orders` new orders) fits, then counts it. Throws
    /// at once while banned, and when the wait would pass `maximumWait`.
    public func acquire(weight: Int, orders: Int = 0, maximumWait: Duration = .seconds(65)) async throws {
        let deadline = now().adding(milliseconds: maximumWait.wholeMilliseconds)
        while true {
            let time = now()
            if let bannedUntil, time < bannedUntil {
                throw VenueError(.banned, "the IP is banned by the exchange until \(bannedUntil.iso8601) (HTTP 418); no request is sent before then",
                                 retryAt: bannedUntil)
            }
            var resumeAt: Timestamp?
            if let pausedUntil, time < pausedUntil { resumeAt = pausedUntil }
            if resumeAt == nil {
                for index in windows.indices {
                    roll(&windows[index], at: time)
                    let window = windows[index]
                    let cost = window.limit.type == "ORDERS" ? orders : weight
                    guard cost > 0 else { continue }
                    if Double(window.used + cost) > Double(window.limit.limit) * headroom {
                        let next = Timestamp(millisecondsSinceEpoch: window.start + window.limit.windowMilliseconds)
                        resumeAt = max(resumeAt ?? next, next)
                    }
                }
            }
            guard let resumeAt else {
                for index in windows.indices {
                    windows[index].used += windows[index].limit.type == "ORDERS" ? orders : weight
                }
                return
            }
            guard resumeAt <= deadline else {
                throw VenueError(.rateLimited, "the request budget is used up until \(resumeAt.iso8601)", retryAt: resumeAt)
            }
            waits += 1
            let wait = max(1, resumeAt.millisecondsSinceEpoch - time.millisecondsSinceEpoch)
            waitedMilliseconds += wait
            try await sleep(.milliseconds(wait))
        }
    }

    /// Raises the local counts to what the exchange reports in a response's headers.
    public func observe(headers: [(name: String, value: String)]) {
        let time = now()
        for (name, value) in headers {
            let lowered = name.lowercased()
            guard lowered.hasPrefix("x-mbx-"), let used = Int(value) else { continue }
            for index in windows.indices where windows[index].limit.headerName == lowered {
                roll(&windows[index], at: time)
                windows[index].used = max(windows[index].used, used)
            }
        }
    }

    /// A 429: every caller waits `retryAfterSeconds` (one window when the header is missing).
    public func rateLimited(retryAfterSeconds: Int?) {
        rateLimitResponses += 1
        let until = now().adding(milliseconds: Int64(max(1, retryAfterSeconds ?? 60)) * 1_000)
        pausedUntil = max(pausedUntil ?? until, until)
    }

    /// A 418: nothing is sent until the ban ends.
    public func banned(retryAfterSeconds: Int?) {
        banResponses += 1
        let until = now().adding(milliseconds: Int64(max(1, retryAfterSeconds ?? 120)) * 1_000)
        bannedUntil = max(bannedUntil ?? until, until)
    }

    /// The ban's end, while banned.
    public var banEnds: Timestamp? {
        guard let bannedUntil, now() < bannedUntil else { return nil }
        return bannedUntil
    }

    /// What each window has used now.
    public var usage: [Usage] {
        let time = now()
        return windows.map { window in
            var window = window
            roll(&window, at: time)
            return Usage(type: window.limit.type, windowMilliseconds: window.limit.windowMilliseconds, limit: window.limit.limit, used: window.used)
        }
    }

    private func roll(_ window: inout Window, at time: Timestamp) {
        let length = window.limit.windowMilliseconds
        let start = time.millisecondsSinceEpoch - ((time.millisecondsSinceEpoch % length) + length) % length
        if start != window.start {
            window.start = start
            window.used = 0
        }
    }
}
