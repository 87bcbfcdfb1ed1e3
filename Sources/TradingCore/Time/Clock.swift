/// The source of "now" for code that decides things: simulated in backtests, the wall clock live.
///
/// Domain and engine code never read the system clock directly, so a backtest replays exactly.
public protocol TradingClock: Sendable {
    /// The current instant.
    func now() -> Timestamp
    /// How fast this clock runs against this machine's: 1 for the wall clock, 500 for a stub
    /// exchange replaying a month in 90 minutes.
    var rate: Double { get }
}

extension TradingClock {
    /// The wall clock's pace, for clocks that do not say otherwise.
    public var rate: Double { 1 }

    /// The length on this clock of `wall` of this machine's time, never shorter than `wall`: a
    /// lease renewed by a timer of this machine, or a silence measured by one, is stamped on this
    /// clock, and on a clock running 500 times faster a 30 s lease renewed every 10 s would lapse
    /// between renewals.
    public func span(ofWall wall: Duration) -> Duration {
        wall * max(1, rate)
    }

    /// The instant `wall` of this machine's time from `instant` on this clock (before it when
    /// `wall` is negative), stretched as `span(ofWall:)` stretches it: a lease's end, a silence's start.
    public func instant(_ instant: Timestamp, plusWall wall: Duration) -> Timestamp {
        instant.adding(milliseconds: span(ofWall: wall).wholeMilliseconds)
    }
}
