/// The source of "now" for code that decides things: simulated in backtests, the wall clock live.
///
/// Domain and engine code never read the system clock directly, so a backtest replays exactly.
public protocol TradingClock: Sendable {
    /// The current instant.
    func now() -> Timestamp
}
