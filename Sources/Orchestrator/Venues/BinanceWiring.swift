import BinanceConnector
import Foundation
import Logging
import TradingCore
import TradingEngine

/// Builds the Binance connector from the configuration and the environment's keys: the one place
/// that knows the adapter's types, so the rest of the composition root sees the ports.
struct BinanceWiring: LiveVenueWiring {
    let name = "binance", title = "Binance", practiceAccount = "testnet"
    let endpoints: BinanceEndpoints
    let credentials: BinanceCredentials?
    let budget: BinanceRateBudget
    /// Public market data (klines, exchangeInfo).
    let marketREST: BinanceRESTClient
    /// Signed calls (orders, account).
    let tradingREST: BinanceRESTClient
    let feedStatistics = BinanceFeedStatistics()

    /// Why the connector cannot be built (bad key file, real-money URLs without `live`).
    struct WiringError: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads `BINANCE_API_KEY` with `BINANCE_API_SECRET` or `BINANCE_PRIVATE_KEY_FILE`; none of them is ever logged.
    init(settings: OrchestratorConfiguration.BinanceSettings, environment: [String: String], clock: @escaping @Sendable () -> Timestamp,
         logger: Logger, observations: SystemObservations? = nil) throws {
        endpoints = Self.endpoints(settings)
        if let problem = endpoints.problem { throw WiringError(description: problem) }
        credentials = try Self.credentials(environment)
        budget = BinanceRateBudget(now: clock)
        marketREST = BinanceRESTClient(baseURL: endpoints.restURL, credentials: nil, budget: budget, clock: clock,
                                       receiveWindowMilliseconds: settings.receiveWindowMilliseconds, logger: logger, observations: observations)
        tradingREST = BinanceRESTClient(baseURL: endpoints.tradingRESTURL, credentials: credentials, budget: budget, clock: clock,
                                        receiveWindowMilliseconds: settings.receiveWindowMilliseconds, logger: logger, observations: observations)
    }

    /// The endpoints of the settings: trading on the testnet unless `trading_rest_url` (or an
    /// explicit `rest_url`) says otherwise; the real exchange's only with `live`.
    static func endpoints(_ settings: OrchestratorConfiguration.BinanceSettings) -> BinanceEndpoints {
        BinanceEndpoints(restURL: settings.restURL, streamURL: settings.streamURL, webSocketAPIURL: settings.webSocketAPIURL,
                         tradingRESTURL: settings.tradingRESTURL ?? (settings.live ? BinanceEndpoints.productionREST : BinanceEndpoints.testnetREST),
                         live: settings.live)
    }

    static func credentials(_ environment: [String: String]) throws -> BinanceCredentials? {
        guard let key = environment["BINANCE_API_KEY"], !key.isEmpty else { return nil }
        if let file = environment["BINANCE_PRIVATE_KEY_FILE"], !file.isEmpty {
            guard let pem = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw WiringError(description: "BINANCE_PRIVATE_KEY_FILE names a file that cannot be read")
            }
            do {
                return try BinanceCredentials(apiKey: key, ed25519PEM: pem)
            } catch {
                throw WiringError(description: "BINANCE_PRIVATE_KEY_FILE: \(error)")
            }
        }
        guard let secret = environment["BINANCE_API_SECRET"], !secret.isEmpty else {
            throw WiringError(description: "BINANCE_API_KEY is set without BINANCE_API_SECRET or BINANCE_PRIVATE_KEY_FILE")
        }
        return BinanceCredentials(apiKey: key, secret: secret)
    }

    var hasCredentials: Bool { credentials != nil }
    let keyAdvice = "BINANCE_API_KEY with BINANCE_API_SECRET or BINANCE_PRIVATE_KEY_FILE (testnet keys work with the default endpoints; see docs/venues.md)"
    var tradesRealMoney: Bool { endpoints.live }
    var hostPorts: [String] { endpoints.hostPorts }

    func serverTime() async throws -> (time: Timestamp, at: ContinuousClock.Instant) {
        try await marketREST.serverTime()
    }

    /// A symbol the exchange does not list stops the start with its name; requests are stamped with the measured clock offset.
    func prepareMarketData(symbols: [Symbol]) async throws {
        _ = try await BinanceVenue(rest: marketREST, budget: budget, logger: Logger(label: "binance.check")).instrumentRules(for: symbols)
        try await marketREST.synchroniseClock()
    }

    func now() async -> Timestamp {
        await marketREST.serverTimeEstimate
    }

    func assetClass(of symbol: Symbol) -> AssetClass { .crypto }

    /// Crypto trades around the clock: the backfill goes back `bars` bar lengths.
    func backfillStart(symbols: [Symbol], timeframe: Timeframe, bars: Int, now: Timestamp) -> Timestamp? { nil }

    /// A kline reaches the loop when it closes.
    func barRelease(symbols: [Symbol], timeframe: Timeframe) -> (@Sendable (Timestamp) async throws -> Timestamp?)? { nil }

    /// Binance's klines come in every length the engine has.
    func feed(symbols: [Symbol], timeframe: Timeframe, logger: Logger) -> any ResumableMarketDataFeed {
        BinanceMarketDataFeed(streamURL: endpoints.streamURL, history: BinanceKlineHistory(rest: marketREST), statistics: feedStatistics, logger: logger)
    }

    /// The venue and its account stream over the WebSocket API (the stream needs a key).
    func trading(logger: Logger) -> LiveTrading? {
        guard let credentials else { return nil }
        let venue = BinanceVenue(rest: tradingREST, budget: budget, logger: logger)
        let account = BinanceAccountStream(url: endpoints.webSocketAPIURL, credentials: credentials, rest: tradingREST, venue: venue, logger: logger)
        let rest = tradingREST
        return LiveTrading(
            venue: venue,
            accountEvents: {
                LiveTrading.accountEvents(await account.events()) { event in
                    switch event {
                    case .subscribed(let again): .subscribed(again: again)
                    case .disconnected(let reason): .disconnected(reason: reason)
                    }
                }
            },
            prepare: { try await rest.synchroniseClock() },
            accountStatus: {
                VenueStatus.AccountStream(subscribed: await account.isSubscribed, subscriptions: await account.subscriptions,
                                          reconnects: await account.reconnects, eventsReceived: await account.eventsReceived,
                                          malformedFrames: await account.malformedFrames, lastError: await account.lastError)
            })
    }

    /// The feed's and the rate budget's figures now.
    func status(venue: String, activity: VenueActivity?, trading: LiveTrading?) async -> VenueStatus {
        let feed = await feedStatistics.snapshot
        let accountStatus = await trading?.accountStatus()
        var status = VenueStatus(
            feed: VenueStatus.Feed(name: "binance", connected: feed.connected, connections: feed.connections, reconnects: feed.reconnects,
                                   gapsHealed: feed.gapsHealed, barsHealed: feed.barsHealed, barsEmitted: feed.barsEmitted,
                                   malformedFrames: feed.malformedFrames, duplicateFrames: feed.duplicateFrames, newestBarClose: feed.newestBarClose,
                                   lastError: feed.lastError),
            venue: venue,
            rateLimits: await budget.usage.map { VenueStatus.RateLimit(type: $0.type, windowMilliseconds: $0.windowMilliseconds, limit: $0.limit, used: $0.used) },
            bannedUntil: await budget.banEnds, activity: await activity?.snapshot,
            accountStream: accountStatus)
        status.budgetWaits = await budget.waits
        status.budgetWaitedMilliseconds = await budget.waitedMilliseconds
        return status
    }
}
