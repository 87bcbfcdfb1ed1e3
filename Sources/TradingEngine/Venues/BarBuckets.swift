import TradingCore

/// One bar of a longer timeframe as minutes fill it: stamped `openTime`, made of the minutes that
/// open in `start..<end`, and handed to the trading loop at `release` (its end, or later when the
/// market cannot be traded before: a stock's daily bar waits for the next session's open).
public struct BarBucket: Sendable, Hashable {
    /// The bar's stamp (its open time as stored).
    public let openTime: Timestamp
    /// The first minute's open time, inclusive.
    public let start: Timestamp
    /// The end of the last minute, exclusive.
    public let end: Timestamp
    /// When the bar may reach the trading loop.
    public let release: Timestamp

    /// Whether a minute opening at `minute` is one of this bucket's.
    public func contains(_ minute: Timestamp) -> Bool { minute >= start && minute < end }

    /// A bucket.
    public init(openTime: Timestamp, start: Timestamp, end: Timestamp, release: Timestamp) {
        self.openTime = openTime
        self.start = start
        self.end = end
        self.release = release
    }
}

/// How minutes group into bars of a longer timeframe.
public protocol BarBuckets: Sendable {
    /// The bucket a minute opening at `minute` belongs to; nil when it belongs to none (a stock's
    /// minute outside the regular session, for daily session bars).
    func bucket(containing minute: Timestamp) async throws -> BarBucket?
    /// The bucket stamped `openTime`, nil when no bar has that stamp.
    func bucket(stamped openTime: Timestamp) async throws -> BarBucket?
}

/// Buckets of a fixed length aligned on the epoch in UTC (a 5-minute bar opens at :00, :05…; an
/// hourly one on the hour; a daily one at midnight UTC), released at their end.
public struct FixedBarBuckets: BarBuckets {
    public let timeframe: Timeframe

    /// Buckets of `timeframe`, which must be a whole number of minutes no longer than a day (weeks
    /// do not align on the epoch, which began on a Thursday).
    public init?(_ timeframe: Timeframe) {
        guard timeframe != .oneWeek else { return nil }
        self.timeframe = timeframe
    }

    public func bucket(containing minute: Timestamp) -> BarBucket? {
        let length = timeframe.milliseconds
        let start = Timestamp(millisecondsSinceEpoch: minute.millisecondsSinceEpoch.roundedDown(toMultipleOf: length))
        let end = start.adding(milliseconds: length)
        return BarBucket(openTime: start, start: start, end: end, release: end)
    }

    public func bucket(stamped openTime: Timestamp) -> BarBucket? {
        guard openTime.millisecondsSinceEpoch % timeframe.milliseconds == 0 else { return nil }
        return bucket(containing: openTime)
    }

}
