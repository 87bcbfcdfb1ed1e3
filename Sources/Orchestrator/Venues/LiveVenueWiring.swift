import Foundation
import Logging
import ServiceLifecycle
import TradingCore
import TradingEngine

/// What `run` needs of a live venue's connector, whichever venue it is: the composition root's
/// one seam with the adapters, so the run itself names no venue's types.
protocol LiveVenueWiring: Sendable {
    /// The venue's name in options, the console and `GET /venues`.
    var name: String { get }
    /// The venue's name in sentences ("Binance").
    var title: String { get }
    /// Where orders go when no real money is allowed ("testnet", "paper account").
    var practiceAccount: String { get }
    /// Whether a key is configured.
    var hasCredentials: Bool { get }
    /// The environment variables that hold the key, named when one is needed.
    var keyAdvice: String { get }
    /// Whether orders would go to real money.
    var tradesRealMoney: Bool { get }
    /// `host:port` of every endpoint, for the supervisor's network checks.
    var hostPorts: [String] { get }
    /// The venue's time and this machine's monotonic instant of the reading (for `--clock venue`).
    func serverTime() async throws -> (time: Timestamp, at: ContinuousClock.Instant)
    /// Checks that every symbol is listed (an error names one that is not) and readies the market-data side.
    func prepareMarketData(symbols: [Symbol]) async throws
    /// The venue's time now as best known: the end of the backfill.
    func now() async -> Timestamp
    /// The asset class a symbol's bars are stored under.
    func assetClass(of symbol: Symbol) -> AssetClass
    /// The live feed of the symbols' bars of `timeframe` (an error names a bar length the venue cannot give).
    func feed(symbols: [Symbol], timeframe: Timeframe, logger: Logger) throws -> any ResumableMarketDataFeed
    /// Where the backfill of `bars` bars of `timeframe` up to `now` starts, when the venue's bars do
    /// not run around the clock (nil: `bars` bar lengths back from now).
    func backfillStart(symbols: [Symbol], timeframe: Timeframe, bars: Int, now: Timestamp) -> Timestamp?
    /// When the feed hands a live bar to the loop, when that can be after its close (nil: at its close).
    func barRelease(symbols: [Symbol], timeframe: Timeframe) -> (@Sendable (Timestamp) async throws -> Timestamp?)?
    /// The trading side (the venue and its account stream); nil without a key.
    func trading(logger: Logger) -> LiveTrading?
    /// The feed's, the budget's and the account stream's figures now.
    func status(venue: String, activity: VenueActivity?, trading: LiveTrading?) async -> VenueStatus
}

/// A live venue's trading side as `run` uses it.
struct LiveTrading: Sendable {
    /// What the account stream says of itself.
    enum AccountEvent: Sendable {
        /// Subscribed; `again` after a lost connection (events may have been missed: reconcile).
        case subscribed(again: Bool)
        case disconnected(reason: String)
    }

    let venue: any ExecutionVenue
    /// Starts the account stream and gives its events; nil when the venue has none.
    let accountEvents: (@Sendable () async -> AsyncStream<AccountEvent>)?
    /// Readies trading before the first order (the clock offset of signed requests).
    let prepare: @Sendable () async throws -> Void
    /// The account stream's figures.
    let accountStatus: @Sendable () async -> VenueStatus.AccountStream?

    /// A connector's own account-stream events as `AccountEvent`s (nil ones left out), ending with them.
    static func accountEvents<Source: Sendable>(_ source: AsyncStream<Source>, _ translate: @escaping @Sendable (Source) -> AccountEvent?) -> AsyncStream<AccountEvent> {
        AsyncStream { continuation in
            let task = Task {
                for await event in source {
                    if let translated = translate(event) { continuation.yield(translated) }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

extension LiveVenueWiring {
    /// Puts `clock` on this venue's server time (its first readings taken when this returns), says
    /// so through `announce` ("On `owner` clock: …", the owner as the caller names it), and returns
    /// the service that keeps the clock on the venue's time.
    func startClock(_ clock: VenueClock, owner: String, logger: Logger,
                    announce: @Sendable (String) -> Void) async throws -> ServiceGroupConfiguration.ServiceConfiguration {
        try await VenueClockService.start(clock, logger: logger) { try await self.serverTime() }
        announce("On \(owner) clock: \(clock.now().iso8601), running \(String(format: "%.2f", clock.rate))× this machine's.")
        return .init(service: VenueClockService(clock: clock, read: { try await self.serverTime() }, logger: logger), serviceName: "venue-clock")
    }
}
