import Synchronization
import TradingCore

/// A clock tests set by hand.
public final class FixedClock: TradingClock {
    private let current: Mutex<Timestamp>

    /// Creates a clock showing an instant.
    public init(_ start: Timestamp = Timestamp(iso8601: "2026-01-02T03:04:05Z")!) {
        current = Mutex(start)
    }

    public func now() -> Timestamp { current.withLock { $0 } }

    /// Moves the clock forward.
    public func advance(milliseconds: Int64) {
        current.withLock { $0 = $0.adding(milliseconds: milliseconds) }
    }
}
