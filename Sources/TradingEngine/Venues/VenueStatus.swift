import TradingCore

/// What a running process knows of its market data feed and its venue, for `GET /api/v1/venues`,
/// the status route and `/metrics`.
public struct VenueStatus: Sendable {
    /// The feed's connection and counts.
    public struct Feed: Sendable {
        public let name: String
        public let connected: Bool
        public let connections: Int
        public let reconnects: Int
        public let gapsHealed: Int
        public let barsHealed: Int
        public let barsEmitted: Int
        public let malformedFrames: Int
        public let duplicateFrames: Int
        /// The newest emitted bar's close time.
        public let newestBarClose: Timestamp?
        public let lastError: String?

        /// Creates a feed status.
        public init(name: String, connected: Bool, connections: Int, reconnects: Int, gapsHealed: Int, barsHealed: Int, barsEmitted: Int,
                    malformedFrames: Int, duplicateFrames: Int, newestBarClose: Timestamp?, lastError: String?) {
            self.name = name
            self.connected = connected
            self.connections = connections
            self.reconnects = reconnects
            self.gapsHealed = gapsHealed
            self.barsHealed = barsHealed
            self.barsEmitted = barsEmitted
            self.malformedFrames = malformedFrames
            self.duplicateFrames = duplicateFrames
            self.newestBarClose = newestBarClose
            self.lastError = lastError
        }
    }

    /// One rate limit's window and use.
    public struct RateLimit: Sendable {
        public let type: String
        public let windowMilliseconds: Int64
        public let limit: Int
        public let used: Int

        /// Creates a rate limit's status.
        public init(type: String, windowMilliseconds: Int64, limit: Int, used: Int) {
            self.type = type
            self.windowMilliseconds = windowMilliseconds
            self.limit = limit
            self.used = used
        }
    }

    /// The account's event stream (WebSocket API).
    public struct AccountStream: Sendable {
        public let subscribed: Bool
        public let subscriptions: Int
        public let reconnects: Int
        public let eventsReceived: Int
        public let malformedFrames: Int
        public let lastError: String?

        /// Creates an account stream's status.
        public init(subscribed: Bool, subscriptions: Int, reconnects: Int, eventsReceived: Int, malformedFrames: Int, lastError: String?) {
            self.subscribed = subscribed
            self.subscriptions = subscriptions
            self.reconnects = reconnects
            self.eventsReceived = eventsReceived
            self.malformedFrames = malformedFrames
            self.lastError = lastError
        }
    }

    public let feed: Feed?
    /// Where orders go (`paper`: the simulator).
    public let venue: String
    public let rateLimits: [RateLimit]
    /// While the exchange bans the IP (HTTP 418), when the ban ends.
    public let bannedUntil: Timestamp?
    /// Requests that waited for the rate budget, and how long they waited in all.
    public var budgetWaits = 0
    public var budgetWaitedMilliseconds: Int64 = 0
    /// The trading loop's orders on an external venue (nil: orders are simulated).
    public let activity: VenueActivity.Snapshot?
    /// The account stream (nil: none runs).
    public let accountStream: AccountStream?

    /// Creates a status.
    public init(feed: Feed?, venue: String, rateLimits: [RateLimit], bannedUntil: Timestamp?, activity: VenueActivity.Snapshot? = nil,
                accountStream: AccountStream? = nil) {
        self.accountStream = accountStream
        self.feed = feed
        self.venue = venue
        self.rateLimits = rateLimits
        self.bannedUntil = bannedUntil
        self.activity = activity
    }
}
