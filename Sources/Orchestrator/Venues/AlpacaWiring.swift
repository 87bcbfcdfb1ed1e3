import AlpacaConnector
import Foundation
import Logging
import TradingCore
import TradingEngine

/// Builds the Alpaca connector from the configuration and the environment's key: the one place
/// that knows the adapter's types. Market data needs the key too (a free paper account's works);
/// trading goes to the paper account unless `venues.alpaca.live` says otherwise.
struct AlpacaWiring: LiveVenueWiring {
    let name = "alpaca", title = "Alpaca", practiceAccount = "paper account"
    let endpoints: AlpacaEndpoints
    let credentials: AlpacaCredentials?
    let stockFeed: AlpacaBarHistory.StockFeed
    let budget: AlpacaRateBudget
    /// Market-data REST (bars).
    let dataREST: AlpacaRESTClient
    /// Trading REST (assets, orders, account, clock, calendar).
    let tradingREST: AlpacaRESTClient
    let calendar: AlpacaMarketCalendar
    private let clock: @Sendable () -> Timestamp
    /// The feed's counters (the feed is made later; its figures feed the status).
    private let feedCounters = AlpacaMarketDataFeed.Counters()

    /// Why the connector cannot be built (the live endpoint without `live`, a missing key).
    struct WiringError: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads `APCA_API_KEY_ID` and `APCA_API_SECRET_KEY`; neither is ever logged.
    init(settings: OrchestratorConfiguration.AlpacaSettings, environment: [String: String], clock: @escaping @Sendable () -> Timestamp, logger: Logger,
         observations: SystemObservations? = nil) throws {
        endpoints = Self.endpoints(settings)
        if endpoints.tradesLive && !settings.live {
            throw WiringError(description: "venues.alpaca.trading_url or trading_stream_url is Alpaca's live (real-money) endpoint but venues.alpaca.live is not true; "
                + "set it to trade real money, or leave them unset for the paper account")
        }
        let keyID = environment[AlpacaCredentials.keyIDVariable] ?? "", secret = environment[AlpacaCredentials.secretVariable] ?? ""
        if keyID.isEmpty != secret.isEmpty {
            throw WiringError(description: "\(keyID.isEmpty ? AlpacaCredentials.secretVariable : AlpacaCredentials.keyIDVariable) is set without "
                + "\(keyID.isEmpty ? AlpacaCredentials.keyIDVariable : AlpacaCredentials.secretVariable)")
        }
        credentials = AlpacaCredentials(environment: environment)
        stockFeed = AlpacaBarHistory.StockFeed(rawValue: settings.feed) ?? .iex
        budget = AlpacaRateBudget(now: clock)
        self.clock = clock
        dataREST = AlpacaRESTClient(baseURL: endpoints.dataURL, credentials: credentials, budget: budget, clock: clock, logger: logger, observations: observations)
        tradingREST = AlpacaRESTClient(baseURL: endpoints.tradingURL, credentials: credentials, budget: budget, clock: clock, logger: logger,
                                       observations: observations)
        calendar = AlpacaMarketCalendar(rest: tradingREST)
    }

    /// The endpoints of the settings: the paper account's trading unless set, the live one with `live`.
    static func endpoints(_ settings: OrchestratorConfiguration.AlpacaSettings) -> AlpacaEndpoints {
        AlpacaEndpoints(dataURL: settings.dataURL, streamURL: settings.streamURL,
                        tradingURL: settings.tradingURL ?? (settings.live ? AlpacaEndpoints.liveTradingURL : AlpacaEndpoints.paper.tradingURL),
                        tradingStreamURL: settings.tradingStreamURL ?? (settings.live ? AlpacaEndpoints.liveTradingStreamURL : AlpacaEndpoints.paper.tradingStreamURL))
    }

    var hasCredentials: Bool { credentials != nil }
    var keyAdvice: String {
        "\(AlpacaCredentials.keyIDVariable) and \(AlpacaCredentials.secretVariable) (a free paper account's key reads market data and trades on paper; see docs/venues.md)"
    }
    var tradesRealMoney: Bool { endpoints.tradesLive }
    var hostPorts: [String] { endpoints.hostPorts }

    /// The broker's time from `/v2/clock`.
    func serverTime() async throws -> (time: Timestamp, at: ContinuousClock.Instant) {
        let reading = try await calendar.marketClock()
        return (reading.clock.time, reading.at)
    }

    /// Every symbol must be an asset Alpaca lists, all stocks or all crypto (one market-data stream serves one kind).
    func prepareMarketData(symbols: [Symbol]) async throws {
        guard credentials != nil else {
            throw WiringError(description: "Alpaca's market data needs a key: set \(keyAdvice)")
        }
        let kinds = Set(symbols.map { AlpacaMarketSymbol($0).isCrypto })
        guard kinds.count <= 1 else {
            throw WiringError(description: "a run on Alpaca trades stocks or crypto, not both (their markets keep different hours and streams): "
                + symbols.map { "\($0.rawValue) is \(AlpacaMarketSymbol($0).isCrypto ? "crypto" : "a stock")" }.joined(separator: ", "))
        }
        let rules = try await AlpacaVenue(rest: tradingREST, clock: clock).instrumentRules(for: symbols)
        if let closed = symbols.first(where: { rules[$0]?.isTrading == false }) {
            throw WiringError(description: "Alpaca lists \(closed.rawValue) but it is not tradable or not active")
        }
    }

    func now() async -> Timestamp { clock() }

    func assetClass(of symbol: Symbol) -> AssetClass {
        AlpacaMarketSymbol(symbol).isCrypto ? .crypto : .equity
    }

    /// Stocks trade about 6.5 hours on 252 days a year: enough calendar days back to hold `bars`
    /// session bars, with room for holidays (a longer backfill costs requests, never bars).
    func backfillStart(symbols: [Symbol], timeframe: Timeframe, bars: Int, now: Timestamp) -> Timestamp? {
        guard let first = symbols.first, !AlpacaMarketSymbol(first).isCrypto else { return nil }
        let perSession = timeframe == .oneDay ? 1 : max(1, Int((390 * 60_000 + timeframe.milliseconds - 1) / timeframe.milliseconds))
        let sessions = (bars + perSession - 1) / perSession
        let days = Int64(Double(sessions) * 1.5) + 5
        return Timestamp(millisecondsSinceEpoch: (now.millisecondsSinceEpoch / 86_400_000 - days) * 86_400_000)
    }

    /// A stock bar ending at the session's close reaches the loop at the next open.
    func barRelease(symbols: [Symbol], timeframe: Timeframe) -> (@Sendable (Timestamp) async throws -> Timestamp?)? {
        guard let first = symbols.first, !AlpacaMarketSymbol(first).isCrypto, let buckets = AlpacaSessionBuckets(calendar: calendar, timeframe: timeframe) else {
            return nil
        }
        return { openTime in try await buckets.bucket(stamped: openTime)?.release }
    }

    /// The bar feed of the symbols' kind (all one kind, checked before): the stock stream of the
    /// configured feed, or the crypto one. The stream carries minute bars; other lengths are built
    /// from them, history too, so both are made alike. Stock bars follow the market's sessions (only
    /// regular-session minutes; a bar ending at the close is released at the next open), so no
    /// decision lands on a closed market; crypto bars are UTC-aligned, around the clock.
    func feed(symbols: [Symbol], timeframe: Timeframe, logger: Logger) throws -> any ResumableMarketDataFeed {
        let crypto = symbols.first.map { AlpacaMarketSymbol($0).isCrypto } ?? false
        let minutes = AlpacaMarketDataFeed(streamURL: AlpacaMarketDataFeed.streamURL(base: endpoints.streamURL, crypto: crypto, feed: stockFeed),
                                           history: AlpacaBarHistory(rest: dataREST, feed: stockFeed),
                                           credentials: credentials ?? AlpacaCredentials(keyID: "", secret: ""), clock: clock, counters: feedCounters, logger: logger)
        if crypto && timeframe == .oneMinute { return minutes }
        let buckets: (any BarBuckets)? = crypto ? FixedBarBuckets(timeframe) : AlpacaSessionBuckets(calendar: calendar, timeframe: timeframe)
        guard let buckets else {
            throw WiringError(description: "Alpaca's stream gives minute bars; \(timeframe.rawValue) bars are not built from them (1m to 1d are)")
        }
        return AggregatingMarketDataFeed(minutes: minutes, timeframe: timeframe, buckets: buckets, clock: clock)
    }

    /// The venue (orders only while the market is open, for stocks), the `trade_updates` stream, and a
    /// poll of fills and order states every few seconds besides the stream (which can miss events).
    func trading(logger: Logger) -> LiveTrading? {
        guard let credentials else { return nil }
        let venue = AlpacaVenue(rest: tradingREST, clock: clock, marketHours: calendar, logger: logger)
        let updates = AlpacaTradeUpdates(url: endpoints.tradingStreamURL, credentials: credentials, venue: venue, logger: logger)
        return LiveTrading(
            venue: venue,
            accountEvents: {
                LiveTrading.accountEvents(await updates.events()) { event in
                    switch event {
                    case .listening(let again): .subscribed(again: again)
                    case .disconnected(let reason): .disconnected(reason: reason)
                    }
                }
            },
            prepare: {},
            accountStatus: {
                VenueStatus.AccountStream(subscribed: await updates.isListening, subscriptions: await updates.listens, reconnects: await updates.reconnects,
                                          eventsReceived: await updates.eventsReceived, malformedFrames: await updates.malformedFrames,
                                          lastError: await updates.lastError)
            })
    }

    /// The feed's, the rate budget's and the account stream's figures now.
    func status(venue: String, activity: VenueActivity?, trading: LiveTrading?) async -> VenueStatus {
        let counters = feedCounters
        var status = VenueStatus(
            feed: VenueStatus.Feed(name: name, connected: await counters.connected, connections: await counters.connections,
                                   reconnects: max(0, await counters.connections - 1), gapsHealed: await counters.gapsHealed,
                                   barsHealed: await counters.barsHealed, barsEmitted: await counters.barsEmitted,
                                   malformedFrames: await counters.malformedMessages, duplicateFrames: await counters.duplicateBars,
                                   newestBarClose: await counters.newestBarClose, lastError: await counters.lastError),
            venue: venue,
            rateLimits: [VenueStatus.RateLimit(type: "REQUEST", windowMilliseconds: 60_000, limit: await budget.allowed, used: await budget.usedInLastMinute)],
            bannedUntil: await budget.pausedUntil, activity: await activity?.snapshot, accountStream: await trading?.accountStatus())
        status.budgetWaits = await budget.waits
        status.budgetWaitedMilliseconds = await budget.waitedMilliseconds
        return status
    }
}
