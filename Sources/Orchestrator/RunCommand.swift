import Foundation
import HTTPServer
import Logging
import PortfolioOptimizer
import Prediction
import Prometheus
import ServiceLifecycle
import Storage
import TradingCore
import TradingEngine

/// `orchestrator run`: the API and the autonomous paper-trading loop in one process.
///
/// The loop replays stored bars (the bundled sample data by default) through the engine at an
/// accelerated pace — forecasting at every bar, allocating every `rebalanceEvery` bars, passing
/// the risk gate and filling on the simulated venue — and stores every step in one transaction
/// (see `PaperTradingRunner`), so `kill -9` at any moment and a new start resume from the store
/// without a repeated order or fill. With a live feed (`binance`, `alpaca`) the store is backfilled
/// from the venue and the loop then steps on every closed live bar (paper fills at live prices, or
/// orders on that venue).
public enum RunCommand {
    /// What the loop trades and how fast.
    public struct Options: Sendable {
        public var account = "paper"
        public var symbols = ["SP500", "NASDAQCOMP"]
        public var timeframe = Timeframe.oneDay
        /// Bars per second of wall-clock time; 0 replays as fast as the machine goes.
        public var barsPerSecond = 20.0
        public var cash = "100000"
        public var commission = "0.001"
        public var slippageBasisPoints = "0"
        public var rebalanceEvery = 5
        /// Bars between model refits (rounded up to whole decisions); forecasts in between use the fitted models.
        public var refitEvery = 126
        public var riskLevel = RiskLevel.medium
        /// Stop the process when the replay ends (otherwise the API keeps serving).
        public var exitAtEnd = false
        /// A console line every this many bars (and at every state change and the end).
        public var reportEvery = 21
        /// The replay's first and last bar open times (inclusive); nil: all stored bars.
        public var start: Timestamp?
        public var end: Timestamp?
        /// Where bars come from.
        public var feed = Feed.replay
        /// Where orders go.
        public var venue = Venue.paper
        /// The clock of the whole process.
        public var clock = Clock.system
        /// With a live feed: bars of history fetched before trading when the store has fewer (nil:
        /// 500, or enough to train the longest forecast horizon when that is more).
        public var warmupBars: Int?
        /// Horizons forecast at every bar besides the decision's, stored and scored by the feedback
        /// loop (nil: 5m, 1h, 4h and 24h with a live feed, none on a replay); the ones the timeframe
        /// cannot express are left out.
        public var forecastHorizons: [Horizon]?
        /// Where bars come from.
        public enum Feed: String, Sendable, CaseIterable {
            /// The stored bars, replayed.
            case replay
            /// Live klines from Binance (the store is backfilled first).
            case binance
            /// Live minute bars from Alpaca, stocks or crypto (the store is backfilled first).
            case alpaca
        }

        /// Where orders go.
        public enum Venue: String, Sendable, CaseIterable {
            /// The simulator, at the feed's prices.
            case paper
            /// Binance (its testnet or the configured endpoint; real money only with `binance.live`).
            case binance
            /// Alpaca (the paper account or the configured endpoint; real money only with `alpaca.live`).
            case alpaca
        }

        /// The clock of the whole process.
        public enum Clock: String, Sendable, CaseIterable {
            /// This machine's.
            case system
            /// The exchange's server time, followed by readings four times a second (live feed only).
            case venue
        }

        /// Which models forecast the streams the policy trades on.
        public var models = Models.own
        /// Which models forecast the streams the policy trades on.
        public enum Models: String, Sendable, CaseIterable {
            /// The policy's own fit, refitted every `refitEvery` bars.
            case own
            /// The feedback loop's champion of each stream (symbol, timeframe, horizon) where one
            /// leads, from the data time it is known by; the policy's own fit elsewhere.
            case champions
        }

        /// Bars of history each decision and fit sees (nil: with a live feed the warm-up's count, on
        /// a replay every bar so far). Bounded, a live run's memory and decision time stay flat.
        public var historyBars: Int?

        /// The history window in force.
        var historyWindow: Int? {
            historyBars ?? (feed == .replay ? nil : warmupBarsInForce)
        }

        /// The reported horizons in force.
        var reportedHorizons: [Horizon] {
            (forecastHorizons ?? (feed == .replay ? [] : Horizon.defaults)).filter { (try? $0.bars(of: timeframe)) != nil }
        }

        /// The bars of history a live start fetches: 500, or the longest horizon's label span plus
        /// 250 bars (the features' 100 and the 50 training samples, with room) when that is more.
        var warmupBarsInForce: Int {
            warmupBars ?? max(500, (reportedHorizons.compactMap { try? $0.bars(of: timeframe) }.max() ?? 0) + 250)
        }

        /// Default options.
        public init() {}
    }

    /// Why the run cannot start.
    public struct RunError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Why the options cannot go together, or nil: orders on a venue need its live feed; the venue's clock needs a live feed.
    public static func optionProblem(feed: Options.Feed, venue: Options.Venue, clock: Options.Clock) -> String? {
        if venue != .paper && feed.rawValue != venue.rawValue {
            return "--venue \(venue.rawValue) trades live bars only: add --feed \(venue.rawValue)"
        }
        if clock == .venue && feed == .replay { return "--clock venue follows a live venue's time: add --feed binance or --feed alpaca" }
        return nil
    }

    /// The connector of a live feed, built from the configuration and the environment's keys.
    static func wiring(_ feed: Options.Feed, configuration: OrchestratorConfiguration, clock: @escaping @Sendable () -> Timestamp,
                       logger: Logger, observations: SystemObservations? = nil) throws -> (any LiveVenueWiring)? {
        let environment = ProcessInfo.processInfo.environment
        switch feed {
        case .replay: return nil
        case .binance: return try BinanceWiring(settings: configuration.binance, environment: environment, clock: clock, logger: logger, observations: observations)
        case .alpaca: return try AlpacaWiring(settings: configuration.alpaca, environment: environment, clock: clock, logger: logger, observations: observations)
        }
    }

    /// Runs the API and the loop until SIGTERM or SIGINT (or the replay's end with `exitAtEnd`).
    public static func run(_ configuration: OrchestratorConfiguration, options: Options, logger: Logger,
                           announce: @escaping @Sendable (String) -> Void) async throws {
        if let problem = optionProblem(feed: options.feed, venue: options.venue, clock: options.clock) { throw RunError(description: problem) }
        // On the venue's clock every part of the process — the loop, the connector, the scheduler, the API — reads the venue's time.
        let venueClock = options.clock == .venue ? VenueClock(fallback: { SystemClock().now() }) : nil
        let clock: any TradingClock = venueClock ?? SystemClock()
        // One count of this process's routes, jobs and venue requests for the system signatures.
        let observations = ServeCommand.signatureObservations(configuration)
        let wiring = try wiring(options.feed, configuration: configuration, clock: { clock.now() }, logger: logger, observations: observations)
        let venueClockKeeper: ServiceGroupConfiguration.ServiceConfiguration? = if let venueClock, let wiring {
            try await wiring.startClock(venueClock, owner: "the venue's", logger: logger, announce: announce)
        } else {
            nil
        }
        if let wiring, options.venue != .paper && !wiring.hasCredentials {
            throw RunError(description: "--venue \(wiring.name) needs a key: set \(wiring.keyAdvice)")
        }
        var venueStatus: (@Sendable () async -> VenueStatus?)?
        let activity = options.venue == .paper ? nil : VenueActivity()
        // With orders on a venue: its trading side, its account stream, and the reconnects that ask the loop to reconcile.
        let trading = options.venue == .paper ? nil : wiring?.trading(logger: logger)
        let (reconciliations, reconciliationInput) = AsyncStream<String>.makeStream()
        if let wiring {
            let venue = options.venue.rawValue
            venueStatus = { await wiring.status(venue: venue, activity: activity, trading: trading) }
        }
        // The supervisor checks the venue's endpoints (DNS and TCP connect) with the others.
        var configuration = configuration
        if let wiring {
            for endpoint in wiring.hostPorts where !configuration.security.endpoints.contains(endpoint) {
                configuration.security.endpoints.append(endpoint)
            }
        }
        try await ServeCommand.run(configuration, logger: logger, announce: announce, venueStatus: venueStatus, clock: clock, role: "run",
                                    observations: observations) { store, registry, clock in
            var options = options
            var live: AsyncStream<LiveBarGroup.Arrival>?
            if let wiring {
                let symbols = try options.symbols.map { text -> Symbol in
                    guard let symbol = Symbol(text) else { throw RunError(description: "\(text) is not a valid symbol") }
                    return symbol
                }
                try await wiring.prepareMarketData(symbols: symbols)
                var bridge = LiveBarBridge(feed: try wiring.feed(symbols: symbols, timeframe: options.timeframe, logger: logger), store: store, symbols: symbols, timeframe: options.timeframe,
                                           assetClass: { wiring.assetClass(of: $0) }, logger: logger, announce: announce)
                if trading != nil { bridge.reconnected = { reconciliationInput.yield("the market data feed reconnected") } }
                let now = await wiring.now()
                let last = try await bridge.backfill(warmupBars: options.warmupBarsInForce, now: now,
                                                     start: wiring.backfillStart(symbols: symbols, timeframe: options.timeframe, bars: options.warmupBarsInForce, now: now))
                live = await bridge.groups(after: last)
                // The stored bars are caught up at full speed; from then on the feed sets the pace.
                options.barsPerSecond = 0
                options.start = nil
                options.end = nil
            }
            let metrics = TradingMetrics(registry: registry)
            var runner = try await makeRunner(store: store, options: options, clock: clock, metrics: metrics, logger: logger, announce: announce)
            runner.liveBars = live
            if let wiring, let trading {
                let symbols = Array(runner.bars.keys)
                // The ledger is kept in one currency: every symbol must be quoted in it.
                let quotes = Set(try await trading.venue.instrumentRules(for: symbols).values.map(\.quoteAsset))
                guard quotes.count == 1 else {
                    throw RunError(description: "the symbols are quoted in \(quotes.sorted().joined(separator: ", ")); a \(wiring.name) run trades symbols of one quote asset")
                }
                try await trading.prepare()
                runner.venue = trading.venue
                runner.barRelease = wiring.barRelease(symbols: symbols, timeframe: options.timeframe)
                runner.activity = activity
                runner.reconciliationRequests = reconciliations
                if let accountEvents = trading.accountEvents {
                    // Reports come by the account stream as they happen; a resubscription asks for a reconciliation.
                    let events = await accountEvents()
                    Task {
                        for await event in events {
                            switch event {
                            case .subscribed(let again):
                                announce("Account stream subscribed\(again ? " again" : "").")
                                if again { reconciliationInput.yield("the account stream subscribed again") }
                            case .disconnected(let reason):
                                announce("Account stream disconnected (\(reason)); reconnecting.")
                            }
                        }
                    }
                }
                runner.venueNotice = { announce("  venue: \($0)") }
                runner.reportStored = { event in metrics.record(reportFills: event.fills, order: event.order) }
                runner.reconciled = { result in announce(consoleLine(result)) }
            }
            let pace = live != nil ? "live \(options.feed.rawValue) \(options.timeframe.rawValue) bars" : options.barsPerSecond > 0 ? "\(options.barsPerSecond) bars/s" : "full speed"
            let mode = wiring.flatMap { wiring in
                trading.map { _ in "Trading on \(wiring.title) (\(wiring.tradesRealMoney ? "REAL MONEY" : "\(wiring.practiceAccount) or configured endpoint"))" }
            } ?? "Paper trading"
            announce("\(mode) '\(options.account)': \(runner.fingerprint); \(pace).")
            let service = TradingService(runner: runner, exitAtEnd: options.exitAtEnd && live == nil, live: live != nil, logger: logger, announce: announce)
            // One name for this process's worker and scheduler: the leases it holds read alike.
            let processName = ProcessName.of(role: "run")
            var worker = JobWorker(store: store, name: processName, concurrency: 2,
                                   handlers: JobKinds.all(store: store, configuration: configuration, clock: clock, logger: logger), clock: clock, logger: logger)
            worker.lease = .seconds(configuration.jobLeaseSeconds)
            worker.idlePoll = .milliseconds(configuration.jobPollMilliseconds)
            worker.observations = observations
            var runScheduler = Scheduler(store: store, holder: processName, schedules: configuration.scheduledJobs)
            runScheduler.lease = .seconds(configuration.schedulerLeaseSeconds)
            // A name of our own: the default describes the service, which would print every bar.
            let scheduler = SchedulerService(scheduler: runScheduler, clock: clock, logger: logger)
            return (venueClockKeeper.map { [$0] } ?? []) + [.init(service: worker, serviceName: "job-worker"), .init(service: scheduler, serviceName: "scheduler"),
                    .init(service: service, successTerminationBehavior: options.exitAtEnd ? .gracefullyShutdownGroup : .cancelGroup,
                          serviceName: "trading-loop")]
        }
    }

    /// The runner for the options, over the stored bars of every symbol on the times they share.
    static func makeRunner(store: SQLStore, options: Options, clock: any TradingClock, metrics: TradingMetrics?, logger: Logger,
                           announce: @escaping @Sendable (String) -> Void) async throws -> PaperTradingRunner<ForecastAllocationPolicy> {
        guard !options.symbols.isEmpty else { throw RunError(description: "give at least one symbol") }
        var bars: [Symbol: [Bar]] = [:]
        for text in options.symbols {
            guard let symbol = Symbol(text) else { throw RunError(description: "\(text) is not a valid symbol") }
            bars[symbol] = try await store.allBars(symbol: symbol, timeframe: options.timeframe)
            guard bars[symbol]!.count > 1 else {
                throw RunError(description: "no \(options.timeframe.rawValue) bars are stored for \(text); import them with `orchestrator import` first")
            }
        }
        // Keep the bar times every symbol has, within the period asked for.
        let shared = bars.values.dropFirst().reduce(Set(bars.values.first!.map(\.openTime))) { $0.intersection($1.map(\.openTime)) }
            .filter { time in (options.start.map { time >= $0 } ?? true) && (options.end.map { time <= $0 } ?? true) }
        bars = bars.mapValues { $0.filter { shared.contains($0.openTime) } }
        guard shared.count > 300 else {
            throw RunError(description: "the symbols share \(shared.count) bars in the period; the forecasts and regimes need more than 300")
        }
        guard let cash = FixedDecimal(options.cash), cash.isPositive, let commission = FixedDecimal(options.commission),
              let slippage = FixedDecimal(options.slippageBasisPoints) else {
            throw RunError(description: "cash must be a positive decimal, commission and slippage decimals")
        }
        guard options.rebalanceEvery >= 1, options.refitEvery >= 1 else { throw RunError(description: "--rebalance-every and --refit-every must be at least 1") }
        let refitDecisions = refitInterval(bars: options.refitEvery, rebalanceEvery: options.rebalanceEvery)
        guard options.barsPerSecond >= 0, options.barsPerSecond.isFinite else { throw RunError(description: "--speed must be 0 or more bars per second") }
        guard let horizon = Horizon(bars: options.rebalanceEvery, of: options.timeframe) else {
            throw RunError(description: "the rebalance interval is too long")
        }
        let level = options.riskLevel, reported = options.reportedHorizons, window = options.historyWindow
        let live = options.feed != .replay, external = options.venue != .paper
        let settings = tradingSettings(cash: cash, venue: SimulatedVenue(commissionRate: commission, slippageBasisPoints: slippage), riskLevel: level,
                                       rebalanceEvery: options.rebalanceEvery, account: options.account)
        let pace: Duration = options.barsPerSecond > 0 ? .nanoseconds(Int64(1e9 / options.barsPerSecond)) : .zero
        let reportEvery = max(options.reportEvery, 1)
        var runner = PaperTradingRunner(
            store: store, account: options.account, bars: bars, timeframe: options.timeframe, settings: settings, pace: pace,
            now: { clock.now() }, makePolicy: {
                ForecastAllocationPolicy(riskLevel: level, horizon: horizon, refitInterval: refitDecisions, reportedHorizons: reported, historyWindow: window)
            },
            progress: { progress in
                let step = progress.step
                metrics?.record(step, openPositions: progress.openPositions, peak: progress.peakEquity)
                let stateChanged = step.alerts.contains { $0.level != .warning }
                if step.index % reportEvery == 0 || stateChanged || progress.isFinished {
                    var line = consoleLine(progress, total: progress.barCount)
                    // Live: how long after its close the bar was processed, and the orders the venue has not ended.
                    if live {
                        let lag = Double(clock.now().millisecondsSinceEpoch - step.closeTime.millisecondsSinceEpoch) / 1000
                        line += String(format: "  lag %.1fs", lag) + (external ? "  in flight \(progress.ordersInFlight)" : "")
                    }
                    announce(line)
                }
                for alert in step.alerts where alert.level != .warning { announce("  \(alert.level.rawValue) \(alert.rule): \(alert.message)") }
            })
        // The bars since the last fit stay in memory too: a forecast carries the fitted variances through them.
        runner.historyRetention = window.map { $0 + options.refitEvery + options.rebalanceEvery }
        // The feedback loop's tuned thresholds for the decision horizon, taken at each batch start.
        runner.confidenceThresholds = { time in
            ConfidenceThresholds.from(try await store.thresholds().map { ($0.horizon, $0.threshold, $0.tunedThrough) }, horizon: horizon.label, knownBy: time)
        }
        if options.models == .champions {
            // Live, a promoted champion is read off the batch start (its stored bars since the fit take milliseconds).
            let champions = ChampionModelSource(store: store, account: options.account, symbols: Set(bars.keys), timeframe: options.timeframe, clock: clock,
                                                metrics: metrics, logger: logger, background: live, announce: announce)
            runner.champions = { time in await champions.champions(at: time) }
        }
        return runner
    }

    /// The run's trading settings: the risk level's position cap plus 5 points, full gross exposure,
    /// the drawdown (35 %) and daily-loss (5 %) halts, 5 % drift rebalancing every `rebalanceEvery` bars.
    static func tradingSettings(cash: FixedDecimal, venue: SimulatedVenue, riskLevel: RiskLevel, rebalanceEvery: Int, account: String,
                                maximumDailyLoss: Double = 0.05, maximumDrawdown: Double = 0.35) -> TradingSettings {
        TradingSettings(
            cash: cash, venue: venue,
            limits: RiskLimits(maximumPositionWeight: riskLevel.maximumWeight + 0.05, maximumGrossExposure: 1.0, maximumOrderNotional: cash,
                               maximumOrdersPerMinute: 1_000, maximumDailyLoss: maximumDailyLoss, maximumDrawdown: maximumDrawdown),
            rebalancer: Rebalancer(driftThreshold: 0.05), decisionInterval: rebalanceEvery, orderPrefix: account)
    }

    /// Decisions between refits: `bars` rounded up to whole decisions.
    static func refitInterval(bars: Int, rebalanceEvery: Int) -> Int {
        (bars + rebalanceEvery - 1) / rebalanceEvery
    }

    /// What a reconciliation with the venue found, in one line (and each problem on its own line).
    static func consoleLine(_ result: VenueActivity.Reconciliation) -> String {
        "Reconciled with the venue at \(result.time.iso8601): \(result.ordersInFlight) order(s) in flight, \(result.ordersFound) found, "
            + "\(result.ordersNeverPlaced) never placed, \(result.fillsBooked) trade(s) booked; \(result.problems.isEmpty ? "the books agree" : "PROBLEMS:")"
            + result.problems.map { "\n  \($0)" }.joined()
    }

    /// One concise line: date, progress, equity, P&L, positions and the state.
    static func consoleLine(_ progress: SessionProgress, total: Int) -> String {
        let step = progress.step
        let capital = progress.capital.doubleValue
        let pnl = step.equity.doubleValue - capital
        let exposure = step.equity.isPositive ? step.grossExposure.doubleValue / step.equity.doubleValue * 100 : 0
        return String(format: "%@  bar %d/%d  equity %.2f  P&L %+.2f (%+.2f%%)  exposure %.0f%%  positions %d  fills %d  %@",
                      String(step.closeTime.iso8601.prefix(16)), step.index + 1, total, step.equity.doubleValue, pnl,
                      capital > 0 ? pnl / capital * 100 : 0, exposure, progress.openPositions, progress.fills, step.state.rawValue)
    }
}

/// The loop as a service: stops between two steps at graceful shutdown.
struct TradingService: Service {
    let runner: PaperTradingRunner<ForecastAllocationPolicy>
    let exitAtEnd: Bool
    /// A live feed: the runner waits for bars, so shutdown cancels the wait.
    let live: Bool
    let logger: Logger
    let announce: @Sendable (String) -> Void

    func run() async throws {
        // Stops between two steps at shutdown, so a stored step is never cut short.
        let started = ContinuousClock.now
        let runner = runner
        let session: TradingSession<ForecastAllocationPolicy>
        do {
            session = live
                ? try await cancelWhenGracefulShutdown { try await runner.run { Task.isShuttingDownGracefully } }
                : try await runner.run { Task.isShuttingDownGracefully }
        } catch {
            // A trading loop that has stopped must not leave the process serving as if it traded:
            // it ends, and its service manager starts it again (the store resumes it where it left off).
            if !(error is CancellationError) || !Task.isShuttingDownGracefully {
                logger.critical("the trading session stopped", metadata: ["error": "\(error)"])
                announce("The trading session stopped: \(error). The process exits so that its service manager starts it again; the store resumes it where it left off.")
                Self.exitUnlessStopped(within: .seconds(5))
            }
            throw error
        }
        let elapsed = ContinuousClock.now - started
        let seconds = elapsed.milliseconds / 1000
        let bars = session.nextIndex - session.startIndex
        if bars > 0 {
            let events = bars * session.symbols.count
            announce(String(format: "Replayed %d bars × %d symbols = %d bar-events in %.2f s: %.0f bar-events/s (paced: %@).",
                            bars, session.symbols.count, events, seconds, Double(events) / max(seconds, 1e-9), runner.pace == .zero ? "no" : "yes"))
        }
        if live {
            announce("Stopped after bar \(session.nextIndex) (the feed's bars up to \(session.lastCloseTime?.iso8601 ?? "-") are processed).")
        } else if session.isFinished {
            announce("The replay is over: \(session.barCount) bars.\(exitAtEnd ? "" : " The API keeps serving; stop with Ctrl-C.")")
            logger.info("replay finished", metadata: ["bars": .stringConvertible(session.barCount)])
        }
        // Keep the group running (the API serves the final state) until shutdown, unless asked to exit.
        if !exitAtEnd { try? await gracefulShutdown() }
    }

    /// Ends the process with status 70 if it is still running after `grace`: the other services'
    /// shutdown may wait on what stopped the loop (a lost database connection, say).
    static func exitUnlessStopped(within grace: Duration) {
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: Double(grace.components.seconds))
            FileHandle.standardError.write(Data("the process did not stop within \(grace.components.seconds) s of its trading session; exiting\n".utf8))
            exit(70)
        }
    }
}
