import TradingCore

/// When a server that forecasts every new bar refits its models: on a fixed grid of close times,
/// every `everyBars` bars of the series' timeframe counted from the epoch, and a decision at time
/// t forecasts from the fit of the newest grid time at least `leadBars` bars before t. The rule
/// depends only on t, so an answer never depends on when it was asked or what was asked before;
/// and the fit that the next `leadBars` bars will need can be computed as soon as its grid time
/// has passed, before any decision needs it, so that no request waits for a fit on a running series.
public struct RefitSchedule: Sendable, Hashable {
    /// Bars between two grid times.
    public let everyBars: Int
    /// Bars between a grid time and the first decision that forecasts from its fit.
    public let leadBars: Int

    /// The schedule the forecast routes use: a fit every 48 bars (4 hours of 5-minute bars, 2 days
    /// of hourly ones), used from 12 bars after its grid time.
    public static let server = RefitSchedule(everyBars: 48, leadBars: 12)

    /// A schedule; both counts at least 1 for the grid, the lead at least 0.
    public init(everyBars: Int, leadBars: Int) {
        precondition(everyBars >= 1 && leadBars >= 0, "a refit schedule needs a grid of at least one bar and a lead of zero or more")
        self.everyBars = everyBars
        self.leadBars = leadBars
    }

    /// The grid time whose fit a decision at `time` forecasts from: the newest multiple of the
    /// grid's length that is at least `leadBars` bars before `time`.
    public func fitTime(forDecisionAt time: Timestamp, timeframe: Timeframe) -> Timestamp {
        let bar = timeframe.milliseconds
        let latest = time.millisecondsSinceEpoch - Int64(leadBars) * bar
        return Timestamp(millisecondsSinceEpoch: latest.roundedDown(toMultipleOf: Int64(everyBars) * bar))
    }

    /// The grid time after `fitTime`, whose fit decisions will need from `leadBars` bars after it.
    public func nextFitTime(after fitTime: Timestamp, timeframe: Timeframe) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: fitTime.millisecondsSinceEpoch + Int64(everyBars) * timeframe.milliseconds)
    }
}
