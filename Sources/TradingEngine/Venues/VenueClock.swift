import Synchronization
import TradingCore

/// A clock that follows the venue's server time, known only from readings taken over the network,
/// so the whole system can run on the venue's time: a stub exchange's accelerated virtual clock in
/// a test, or the real exchange's clock. Between readings it runs, from the newest reading, at the
/// rate the readings of the last `rateWindow` show (1 until they span `minimumSpan`): a longer
/// span averages out the network's jitter, a bounded one follows a clock that changes pace. It
/// never goes backwards (a reading that puts it back holds it still until time catches up).
/// Before the first reading it is the fallback clock.
public final class VenueClock: TradingClock, Sendable {
    private struct Reading {
        let remote: Int64
        let local: ContinuousClock.Instant
    }

    private struct State {
        /// The readings of the last `rateWindow`, oldest first.
        var readings: [Reading] = []
        var rate = 1.0
        var lastReturned = Int64.min
    }

    private let state = Mutex(State())
    private let fallback: @Sendable () -> Timestamp
    /// The shortest span of readings a rate is measured over.
    public let minimumSpan: Duration
    /// How far back the readings that measure the rate go.
    public let rateWindow: Duration

    /// Creates a clock that is `fallback` until the first reading.
    public init(minimumSpan: Duration = .milliseconds(500), rateWindow: Duration = .seconds(4), fallback: @escaping @Sendable () -> Timestamp) {
        self.minimumSpan = minimumSpan
        self.rateWindow = rateWindow
        self.fallback = fallback
    }

    /// The venue's time now, as estimated from the readings.
    public func now() -> Timestamp {
        let local = ContinuousClock.now
        let fallbackTime = fallback
        return state.withLock { state in
            guard let newest = state.readings.last else { return fallbackTime() }
            let estimate = newest.remote + Int64((state.rate * Self.milliseconds(local - newest.local)).rounded(.down))
            state.lastReturned = max(state.lastReturned, estimate)
            return Timestamp(millisecondsSinceEpoch: state.lastReturned)
        }
    }

    /// The rate the venue's clock runs at against this machine's (1 for a real exchange; 60 for a
    /// stub replaying minute bars once a second).
    public var rate: Double { state.withLock { $0.rate } }

    /// Takes a reading: the venue's time `remote`, read at the local instant `local` (the middle
    /// of the call that asked for it).
    public func observe(_ remote: Timestamp, at local: ContinuousClock.Instant) {
        let reading = Reading(remote: remote.millisecondsSinceEpoch, local: local)
        let window = rateWindow, shortest = minimumSpan
        state.withLock { state in
            state.readings.append(reading)
            state.readings.removeAll { local - $0.local > window }
            if let oldest = state.readings.first, local - oldest.local >= shortest {
                state.rate = max(0, Double(reading.remote - oldest.remote) / Self.milliseconds(local - oldest.local))
            }
        }
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        let components = duration.components
        return Double(components.seconds) * 1_000 + Double(components.attoseconds) / 1e15
    }
}
