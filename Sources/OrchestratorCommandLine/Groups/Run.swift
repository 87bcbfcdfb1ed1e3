import ArgumentParser
import Foundation
import Orchestrator
import PortfolioOptimizer
import Prediction
import TradingCore

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the API and the autonomous paper-trading loop (the main job).",
        discussion: """
            Replays the stored bars of --symbols (the bundled sample data, imported at first start) through the engine at \
            --speed bars per second: forecasts at every bar, the forecast-allocation strategy every --rebalance-every bars, \
            the risk gate, the simulated venue and the ledger. Every step is stored in one transaction, so after a crash or \
            kill -9 the same command resumes where the store left off, with no order or fill repeated. One console line \
            every --report-every bars; the account is visible at /api/v1/portfolio, /positions, /orders, /trades, /equity \
            and in /metrics.
            """)

    @OptionGroup var storage: StorageOptions
    @OptionGroup var listen: ListenOptions
    @Option(help: "The trading account (its state lives in the database under this name).") var account = "paper"
    @Option(help: "Comma-separated stored symbols to trade (their shared bar times are replayed).") var symbols = "SP500,NASDAQCOMP"
    @Option(help: "The stored bar length to replay.") var timeframe = Timeframe.oneDay
    @Option(help: "Bars per second of wall-clock time; 0 replays as fast as possible.") var speed: Double = 20
    @Option(help: "Starting cash.") var cash = "100000"
    @Option(help: "Commission as a fraction of notional.") var commission = "0.001"
    @Option(help: "Slippage in basis points against the trader.") var slippageBps = "0"
    @Option(help: "Bars between allocation decisions.") var rebalanceEvery = 5
    @Option(help: "Bars between model refits (forecasts in between carry the fitted models forward).") var refitEvery = 126
    @Option(help: "Risk level.") var riskLevel = RiskLevel.medium
    @Option(help: "A console line every this many bars.") var reportEvery = 21
    @Option(help: "First bar replayed (YYYY-MM-DD or ISO-8601); default: the first stored.") var start: Timestamp?
    @Option(help: "Last bar replayed (inclusive); default: the last stored.") var end: Timestamp?
    @Flag(help: "Exit when the replay ends (otherwise the API keeps serving the final state).") var exitAtEnd = false
    @Option(help: "Where bars come from: replay (stored bars), binance (live klines) or alpaca (live minute bars of US stocks or crypto; needs APCA_API_KEY_ID and APCA_API_SECRET_KEY); a live feed backfills the store first.")
    var feed = RunCommand.Options.Feed.replay
    @Option(help: "Where orders go: paper (simulated fills at the feed's prices), binance (the testnet unless venues.binance.live) or alpaca (the paper account unless venues.alpaca.live); a venue needs its own feed.")
    var venue = RunCommand.Options.Venue.paper
    @Option(help: "With a live feed: bars of history fetched first for the models (when the store has fewer); default 500, or enough for the longest forecast horizon.")
    var warmupBars: Int?
    @Option(help: "Horizons forecast at every bar besides the decision's, stored and scored by the feedback loop (comma-separated such as 5m,1h,4h,24h, or none); default 5m,1h,4h,24h with a live feed, none on a replay.")
    var forecastHorizons: HorizonList?
    @Option(help: "The clock of the whole process: system (this machine's) or venue (the exchange's server time, or Alpaca's /v2/clock, with a live feed; for a stub exchange on an accelerated virtual clock).")
    var clock = RunCommand.Options.Clock.system
    @Option(help: "Bars of history each decision and model fit sees (more than 300); default with a live feed: the warm-up's count, on a replay: every bar so far.")
    var historyBars: Int?
    @Option(help: "Which models forecast the traded streams: own (the policy's fit, refitted every --refit-every bars) or champions (the feedback loop's champion of each symbol, timeframe and horizon where one leads, from the data time it was known by; the own fit elsewhere).")
    var models = RunCommand.Options.Models.own

    func validate() throws {
        guard speed >= 0, speed.isFinite else { throw ValidationError("--speed must be 0 or more") }
        if let problem = RunCommand.optionProblem(feed: feed, venue: venue, clock: clock) { throw ValidationError(problem) }
        if let warmupBars, !(301...100_000).contains(warmupBars) { throw ValidationError("--warmup-bars must be 301 to 100000 (the models need more than 300 bars)") }
        if let historyBars, !(301...1_000_000).contains(historyBars) { throw ValidationError("--history-bars must be 301 to 1000000 (the models need more than 300 bars)") }
        guard rebalanceEvery >= 1, reportEvery >= 1, refitEvery >= 1 else {
            throw ValidationError("--rebalance-every, --refit-every and --report-every must be at least 1")
        }
    }

    func run() async throws {
        var options = RunCommand.Options()
        options.account = account
        options.symbols = symbols.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        options.timeframe = timeframe
        options.barsPerSecond = speed
        options.cash = cash
        options.commission = commission
        options.slippageBasisPoints = slippageBps
        options.rebalanceEvery = rebalanceEvery
        options.refitEvery = refitEvery
        options.riskLevel = riskLevel
        options.reportEvery = reportEvery
        options.exitAtEnd = exitAtEnd
        options.start = start
        options.end = end
        options.feed = feed
        options.venue = venue
        options.warmupBars = warmupBars
        options.historyBars = historyBars
        options.models = models
        options.clock = clock
        options.forecastHorizons = forecastHorizons?.horizons
        try await CommandRunner.run(storage: storage, overrides: listen.overrides) { configuration, logger in
            try await RunCommand.run(configuration, options: options, logger: logger) { line in
                FileHandle.standardOutput.write(Data((line + "\n").utf8))
            }
        }
    }
}
