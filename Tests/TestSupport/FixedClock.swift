import Synchronization
import TradingCore

/// A clock tests set by hand.
public final class FixedClock: TradingClock {
    private let current: Mutex<Timestamp>
    /// The pace it claims against the machine's clock (an accelerated venue clock's, in a test of
    /// what follows the pace).
    public let rate: Double

    /// Creates a clock showing an instant.
    public init(_ start: Timestamp = Timestamp(iso8601: "2026-01-02T03:04:05Z")!, rate: Double = 1) {
        current = Mutex(start)
        self.rate = rate
    }

    public func now() -> Timestamp { current.withLock { $0 } }

    /// Moves the clock forward.
    public func advance(milliseconds: Int64) {
        current.withLock { $0 = $0.adding(milliseconds: milliseconds) }
    }
}
