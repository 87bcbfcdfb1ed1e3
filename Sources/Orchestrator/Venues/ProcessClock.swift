import Logging
import ServiceLifecycle
import TradingCore
import TradingEngine

/// The clock a `serve`, `worker` or `scheduler` process runs on: this machine's, or a venue's
/// server time, so that every role of a deployment reads the same time as `run --clock venue`
/// (a stub exchange's accelerated clock in the soak test; the exchange's own otherwise).
public enum ProcessClock: String, CaseIterable, Sendable {
    /// This machine's clock.
    case system
    /// Binance's server time (`/api/v3/time` at `venues.binance.rest_url`).
    case binance
    /// Alpaca's clock (`/v2/clock` of the trading API; needs a key).
    case alpaca

    /// The clock, and the service that keeps a venue's clock on the venue's time (nil for the
    /// system clock). A venue's clock has taken its first readings when this returns; a venue that
    /// cannot be read ends the start with the reason.
    func start(_ configuration: OrchestratorConfiguration, logger: Logger,
               announce: @Sendable (String) -> Void) async throws -> (clock: any TradingClock, keeper: ServiceGroupConfiguration.ServiceConfiguration?) {
        let feed: RunCommand.Options.Feed
        switch self {
        case .system: return (SystemClock(), nil)
        case .binance: feed = .binance
        case .alpaca: feed = .alpaca
        }
        let clock = VenueClock(fallback: { SystemClock().now() })
        guard let wiring = try RunCommand.wiring(feed, configuration: configuration, clock: { clock.now() }, logger: logger) else { return (SystemClock(), nil) }
        return (clock, try await wiring.startClock(clock, owner: "\(wiring.title)'s", logger: logger, announce: announce))
    }
}
