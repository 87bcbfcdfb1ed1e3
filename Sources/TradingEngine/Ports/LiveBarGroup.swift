import TradingCore

/// Every symbol's bar at one open time, as a live feed closed them.
public struct LiveBarGroup: Sendable {
    public let timeframe: Timeframe
    public let bars: [Symbol: Bar]

    /// Creates a group.
    public init(timeframe: Timeframe, bars: [Symbol: Bar]) {
        self.timeframe = timeframe
        self.bars = bars
    }

    /// A group as a live feed completed it, and when: the decision path's latency counts from then.
    public struct Arrival: Sendable {
        public let bars: [Symbol: Bar]
        /// When the group's last bar was taken from the feed.
        public let completed: ContinuousClock.Instant

        /// Creates an arrival.
        public init(bars: [Symbol: Bar], completed: ContinuousClock.Instant) {
            self.bars = bars
            self.completed = completed
        }
    }
}
