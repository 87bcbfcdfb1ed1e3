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
}
