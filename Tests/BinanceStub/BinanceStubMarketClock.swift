import Foundation
import Synchronization

/// The exchange's virtual clock for an accelerated market: at `origin` until `start()`, then
/// `scale` times faster than the wall clock (60 for minute bars replayed once a second). With it
/// as the exchange's clock, server time, kline stamps, signatures' receive windows and rate
/// windows all follow the market, and a client on the venue's clock (`run --clock venue`) sees
/// one consistent time.
public final class BinanceStubMarketClock: Sendable {
    public let origin: Int64
    public let scale: Double
    private let started = Mutex<ContinuousClock.Instant?>(nil)

    /// A clock at `origin` (milliseconds since the epoch) that will run `scale` times the wall clock.
    public init(origin: Int64, scale: Double) {
        self.origin = origin
        self.scale = scale
    }

    /// Starts the clock (once; later calls change nothing).
    public func start() {
        started.withLock { if $0 == nil { $0 = ContinuousClock.now } }
    }

    /// The virtual time now, in milliseconds since the epoch.
    public func now() -> Int64 {
        guard let start = started.withLock({ $0 }) else { return origin }
        let elapsed = (ContinuousClock.now - start).components
        return origin + Int64(((Double(elapsed.seconds) * 1_000 + Double(elapsed.attoseconds) / 1e15) * scale).rounded(.down))
    }
}
