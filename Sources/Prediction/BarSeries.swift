import Foundation
import TradingCore

/// The bars of one symbol at one timeframe in analytic form (binary floating point: these feed
/// models, never accounts), oldest first. The only way to read them for a decision is
/// `asOf(_:)`, which returns the bars closed by the decision time and nothing later.
public struct BarSeries: Sendable {
    /// The bar length.
    public let timeframe: Timeframe
    fileprivate var openTimes: [Int64]
    fileprivate var opens: [Double]
    fileprivate var highs: [Double]
    fileprivate var lows: [Double]
    fileprivate var closes: [Double]
    fileprivate var volumes: [Double]

    /// Converts validated bars; they must be strictly increasing in time on the timeframe's grid
    /// (gaps are allowed; the features measure returns between consecutive bars).
    public init(bars: [Bar], timeframe: Timeframe) throws(PredictionError) {
        for index in bars.indices.dropFirst() where bars[index].openTime <= bars[index - 1].openTime {
            throw .invalidBars("bar \(index) at \(bars[index].openTime.iso8601) does not follow \(bars[index - 1].openTime.iso8601)")
        }
        self.timeframe = timeframe
        openTimes = bars.map(\.openTime.millisecondsSinceEpoch)
        opens = bars.map(\.open.value.doubleValue)
        highs = bars.map(\.high.value.doubleValue)
        lows = bars.map(\.low.value.doubleValue)
        closes = bars.map(\.close.value.doubleValue)
        volumes = bars.map { $0.volume?.value.doubleValue ?? 0 }
    }

    /// Builds a series from columns (stored bars read as numbers); times strictly increasing,
    /// prices positive and finite.
    public init(timeframe: Timeframe, openTimes: [Timestamp], opens: [Double], highs: [Double], lows: [Double], closes: [Double],
                volumes: [Double]) throws(PredictionError) {
        let count = openTimes.count
        guard [opens.count, highs.count, lows.count, closes.count, volumes.count].allSatisfy({ $0 == count }) else {
            throw .invalidBars("the columns have different lengths")
        }
        for index in 0..<count {
            guard [opens[index], highs[index], lows[index], closes[index]].allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw .invalidBars("bar \(index) at \(openTimes[index].iso8601) has a price that is not a positive number")
            }
            if index > 0 && openTimes[index] <= openTimes[index - 1] {
                throw .invalidBars("bar \(index) at \(openTimes[index].iso8601) does not follow \(openTimes[index - 1].iso8601)")
            }
        }
        self.timeframe = timeframe
        self.openTimes = openTimes.map(\.millisecondsSinceEpoch)
        self.opens = opens
        self.highs = highs
        self.lows = lows
        self.closes = closes
        self.volumes = volumes
    }

    /// The number of bars.
    public var count: Int { openTimes.count }

    /// The bytes its six columns hold: their capacity, which can be up to twice what the bars need.
    public var storageBytes: Int {
        MemoryLayout<Double>.stride * (openTimes.capacity + opens.capacity + highs.capacity + lows.capacity + closes.capacity + volumes.capacity)
    }

    /// Adds the next bar (a live feed's); it must open after the last one.
    public mutating func append(_ bar: Bar) throws(PredictionError) {
        if let last = openTimes.last, bar.openTime.millisecondsSinceEpoch <= last {
            throw .invalidBars("bar at \(bar.openTime.iso8601) does not follow \(Timestamp(millisecondsSinceEpoch: last).iso8601)")
        }
        openTimes.append(bar.openTime.millisecondsSinceEpoch)
        opens.append(bar.open.value.doubleValue)
        highs.append(bar.high.value.doubleValue)
        lows.append(bar.low.value.doubleValue)
        closes.append(bar.close.value.doubleValue)
        volumes.append(bar.volume?.value.doubleValue ?? 0)
    }

    /// Adds the bars of `newer` (same timeframe, every one opening after the last one here).
    public mutating func append(contentsOf newer: BarSeries) throws(PredictionError) {
        guard newer.timeframe == timeframe else { throw .invalidBars("\(newer.timeframe.rawValue) bars cannot follow \(timeframe.rawValue) bars") }
        if let last = openTimes.last, let first = newer.openTimes.first, first <= last {
            throw .invalidBars("bar at \(Timestamp(millisecondsSinceEpoch: first).iso8601) does not follow \(Timestamp(millisecondsSinceEpoch: last).iso8601)")
        }
        openTimes += newer.openTimes
        opens += newer.opens
        highs += newer.highs
        lows += newer.lows
        closes += newer.closes
        volumes += newer.volumes
    }

    /// The bars that open at or after `time`, as a series of their own (all of them when none opens before).
    public func opening(from time: Timestamp) -> BarSeries {
        // Binary search for the first bar that opens at or after `time`.
        var start = 0, end = openTimes.count
        while start < end {
            let middle = (start + end) / 2
            if openTimes[middle] < time.millisecondsSinceEpoch { start = middle + 1 } else { end = middle }
        }
        guard start > 0 else { return self }
        var copy = self
        copy.removeFirst(start)
        return copy
    }

    /// Forgets the oldest `count` bars (a live session that keeps a bounded history).
    public mutating func removeFirst(_ count: Int) {
        let count = min(max(count, 0), openTimes.count)
        openTimes.removeFirst(count)
        opens.removeFirst(count)
        highs.removeFirst(count)
        lows.removeFirst(count)
        closes.removeFirst(count)
        volumes.removeFirst(count)
    }

    /// The close time of the last bar, when there is one.
    public var lastCloseTime: Timestamp? {
        openTimes.last.map { Timestamp(millisecondsSinceEpoch: $0 + timeframe.milliseconds) }
    }

    /// The close time of bar `index` (for choosing decision times; it reveals no prices).
    public func closeTime(ofBar index: Int) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: openTimes[index] + timeframe.milliseconds)
    }

    /// The bars whose close time is at or before `time`: what a decision at `time` may know.
    public func asOf(_ time: Timestamp) -> PointInTimeBars {
        // Binary search for the first bar that closes after `time`.
        let limit = time.millisecondsSinceEpoch - timeframe.milliseconds
        var low = 0, high = openTimes.count
        while low < high {
            let middle = (low + high) / 2
            if openTimes[middle] <= limit { low = middle + 1 } else { high = middle }
        }
        return PointInTimeBars(decisionTime: time, timeframe: timeframe, openTimes: openTimes[..<low], opens: opens[..<low],
                               highs: highs[..<low], lows: lows[..<low], closes: closes[..<low], volumes: volumes[..<low])
    }
}

/// The bars a decision at `decisionTime` may see: every bar closed by then, and no later one.
/// The later bars are not hidden behind a convention but absent from this value: its storage is
/// slices that end at the last visible bar, and slices trap on any index past their end.
public struct PointInTimeBars: Sendable {
    /// The instant of the decision.
    public let decisionTime: Timestamp
    /// The bar length.
    public let timeframe: Timeframe
    /// Open times (ms since the epoch) of the visible bars, oldest first.
    public let openTimes: ArraySlice<Int64>
    /// Opens of the visible bars.
    public let opens: ArraySlice<Double>
    /// Highs of the visible bars.
    public let highs: ArraySlice<Double>
    /// Lows of the visible bars.
    public let lows: ArraySlice<Double>
    /// Closes of the visible bars.
    public let closes: ArraySlice<Double>
    /// Volumes of the visible bars (0 when unknown).
    public let volumes: ArraySlice<Double>

    /// The number of visible bars.
    public var count: Int { closes.count }

    /// The visible bars as a series of their own (for models that take a series); it holds
    /// nothing past the decision time either.
    public func series() throws(PredictionError) -> BarSeries {
        try series(closedBy: decisionTime, limit: nil)
    }

    /// The newest `limit` of the bars closed by `time` (all of them when `limit` is nil), as a
    /// series of their own: a model fitted on it sees a window of fixed length, whatever older
    /// history the view holds.
    public func series(closedBy time: Timestamp, limit: Int?) throws(PredictionError) -> BarSeries {
        let limitTime = time.millisecondsSinceEpoch - timeframe.milliseconds
        var end = openTimes.endIndex
        while end > openTimes.startIndex && openTimes[end - 1] > limitTime { end -= 1 }
        let start = limit.map { max(openTimes.startIndex, end - $0) } ?? openTimes.startIndex
        return try BarSeries(timeframe: timeframe, openTimes: openTimes[start..<end].map { Timestamp(millisecondsSinceEpoch: $0) },
                             opens: Array(opens[start..<end]), highs: Array(highs[start..<end]), lows: Array(lows[start..<end]),
                             closes: Array(closes[start..<end]), volumes: Array(volumes[start..<end]))
    }

    /// The close time of the newest visible bar (the data time a forecast used).
    public var dataTime: Timestamp? {
        openTimes.last.map { Timestamp(millisecondsSinceEpoch: $0 + timeframe.milliseconds) }
    }

    /// The newest `window` values of a column, oldest first (fewer when fewer exist).
    func last(_ column: KeyPath<PointInTimeBars, ArraySlice<Double>>, _ window: Int) -> ArraySlice<Double> {
        let values = self[keyPath: column]
        return values.suffix(window)
    }

    /// Log returns log(cₜ/cₜ₋₁) of the visible closes, oldest first.
    public var logReturns: [Double] {
        guard closes.count > 1 else { return [] }
        var result: [Double] = []
        result.reserveCapacity(closes.count - 1)
        var previous = closes.first!
        for close in closes.dropFirst() {
            result.append(log(close / previous))
            previous = close
        }
        return result
    }
}
