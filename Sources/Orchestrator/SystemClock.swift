import Foundation
import TradingCore

/// The wall clock, for live and paper operation (backtests use a simulated clock).
public struct SystemClock: TradingClock {
    /// Creates the wall clock.
    public init() {}

    public func now() -> Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
